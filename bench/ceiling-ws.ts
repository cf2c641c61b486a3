/**
 * The fan-out ceiling: a bare `ws` server. On a trigger it sends, to socket i (in connection
 * order), counts[i] copies of a pre-serialised message of the given size, as fast as it can.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT) });
const sockets: WebSocket[] = [];
wss.on('connection', (ws) => {
  sockets.push(ws);
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as { trigger?: { counts: number[]; size: number } };
    if (!msg.trigger) return;
    const payload = JSON.stringify({ type: 'next', payload: 'x'.repeat(Math.max(0, msg.trigger.size - 40)) });
    const rounds = Math.max(...msg.trigger.counts);
    // Round-robin like an event stream: message r goes to every socket that gets at least r + 1.
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < sockets.length; i++) if ((msg.trigger.counts[i] ?? 0) > r) sockets[i]!.send(payload);
    }
  });
});
wss.on('listening', () => process.stdout.write('ceiling ws listening\n'));
