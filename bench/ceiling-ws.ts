/**
 * The fan-out ceiling: a bare `ws` server with pre-serialised messages.
 * - `{ hello: i }`: the client's index, so socket i here is subscriber i of the digestql run.
 * - `{ trigger: { counts, size } }`: the burst: socket i gets counts[i] messages of `size` bytes, round-robin, as fast as it can.
 * - `{ tick: { id, to, size } }`: one steady item: every socket in `to` gets one message naming item `id`.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT) });
const sockets: WebSocket[] = [];
const pad = (size: number, head: string) => head + 'x'.repeat(Math.max(0, size - head.length - 3)) + '"}}';

wss.on('connection', (ws) => {
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as {
      hello?: number;
      trigger?: { counts: number[]; size: number };
      tick?: { id: string; to: number[]; size: number };
    };
    if (msg.hello !== undefined) sockets[msg.hello] = ws;
    if (msg.trigger) {
      const payload = pad(msg.trigger.size, '{"type":"next","payload":{"pad":"');
      const rounds = Math.max(...msg.trigger.counts);
      // Round-robin like an event stream: message r goes to every socket that gets at least r + 1.
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < sockets.length; i++) if ((msg.trigger.counts[i] ?? 0) > r) sockets[i]?.send(payload);
      }
    }
    if (msg.tick) {
      const payload = pad(msg.tick.size, `{"type":"next","payload":{"item":{"id":"${msg.tick.id}"},"pad":"`);
      for (const i of msg.tick.to) sockets[i]?.send(payload);
    }
  });
});
wss.on('listening', () => process.stdout.write('ceiling ws listening\n'));
