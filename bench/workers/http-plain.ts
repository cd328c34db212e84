// The reference static server of scenario 15: plain node:http and createReadStream, as
// a tutorial would write it (17 lines). Usage: node http-plain.js ROOT PORT
import { createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

const [root = '.', port = '8080'] = process.argv.slice(2);
createServer((req, res) => {
  const path = join(root, normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')));
  if (!path.startsWith(root)) return void res.writeHead(403).end();
  const stream = createReadStream(path);
  stream.once('open', () => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    stream.pipe(res);
  });
  stream.once('error', () => void res.writeHead(404).end());
}).listen(Number(port), '127.0.0.1');
