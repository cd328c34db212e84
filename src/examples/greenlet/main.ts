/**
 * The course's greenlet program: `eat` and `play` hand control back and forth with
 * `switch`, each resuming where it left off, and the interleaving is printed.
 */
import { Greenlet } from '../../index.ts';

/**
 * The program: `eat('egon')` runs until it switches to `play('alex')`, which switches back,
 * and so on. `play` ends first and returns to the main greenlet; `eat` is left suspended.
 * @returns The lines printed, in order.
 * @example
 * ```ts
 * await main(console.log);
 * // egon eat 1
 * // alex play 1
 * // egon eat 2
 * // alex play 2
 * ```
 */
export async function main(write: (line: string) => void): Promise<string[]> {
  const lines: string[] = [];
  const say = (line: string): void => {
    lines.push(line);
    write(line);
  };
  const eat = new Greenlet(async (name: string) => {
    say(`${name} eat 1   (eat switches to play)`);
    await play.switch('alex');
    say(`${name} eat 2   (eat resumed where it switched away)`);
    await play.switch();
  });
  const play = new Greenlet(async (name: string) => {
    say(`${name} play 1  (play switches back to eat)`);
    await eat.switch();
    say(`${name} play 2  (play returns: back to its parent, the main greenlet)`);
  });
  await eat.switch('egon');
  say(`eat dead: ${String(eat.dead)}, play dead: ${String(play.dead)}`);
  return lines;
}
