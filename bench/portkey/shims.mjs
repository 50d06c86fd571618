// Preloaded into Portkey's gateway by the bench (node --import). Two shims, nothing else:
// 1. Its start script listens on every interface and has no host option; the bench binds every server to loopback,
//    so any listen() without a host gets 127.0.0.1.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (args[1] === undefined || args[1] === null) {
      args[1] = '127.0.0.1';
    } else if (typeof args[1] !== 'string') {
      args.splice(1, 0, '127.0.0.1');
    }
  } else if (args[0] && typeof args[0] === 'object' && args[0].port !== undefined && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

// 2. Portkey 1.15.2 on Node appends x-portkey-* headers to a streamed upstream response whose headers are immutable
// and answers every streamed chat with 500 "Something went wrong" (Portkey-AI/gateway#1389, #1550). Its proposed
// fix (#1551) re-wraps the streamed response before adding headers; this does the same, for event streams only,
// so non-streamed requests go through Portkey untouched.
const upstreamFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const response = await upstreamFetch(...args);
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return response;
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
};
