import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'pulse_session';
export const SHARE_COOKIE = 'pulse_share';

/**
 * Secure unless the dashboard is reached over plain HTTP on a loopback address (a browser would not
 * send a Secure cookie back there; nothing leaves the machine). HttpOnly: scripts never see it;
 * SameSite=Strict: other sites' pages never send it.
 */
function cookieOptions(request: FastifyRequest, maxAgeSeconds: number) {
  const loopback = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(request.host);
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https' || !loopback,
    maxAge: maxAgeSeconds,
  };
}

export function setCookie(request: FastifyRequest, reply: FastifyReply, name: string, value: string, maxAgeSeconds: number): void {
  void reply.setCookie(name, value, cookieOptions(request, maxAgeSeconds));
}

export function clearCookie(request: FastifyRequest, reply: FastifyReply, name: string): void {
  void reply.clearCookie(name, cookieOptions(request, 0));
}
