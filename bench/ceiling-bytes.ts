/**
 * The response cache's ceiling (bench:query): a bare node:http server answering every request with
 * the same bytes from memory (BODY_B64), with the headers a JSON answer needs and nothing else.
 */
import http from 'node:http';

const body = Buffer.from(process.env.BODY_B64 ?? '', 'base64');
http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('bytes ceiling listening'));
