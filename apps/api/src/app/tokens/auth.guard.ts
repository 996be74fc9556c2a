import { AgiqaError } from '@agiqa/contracts';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { TokensService } from './tokens.service.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Loopback addresses, including IPv4 mapped into IPv6 (`::ffff:127.0.0.1`). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || plain.startsWith('127.');
}

/** Host names that can only mean this machine. */
function isLocalHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * A request from this machine, as far as the server can tell: a loopback peer, no forwarding
 * headers (a reverse proxy on this host would make every client look local), and a Host header
 * naming this machine (a DNS-rebinding page reaches 127.0.0.1 under a foreign name).
 */
export function isLocalRequest(request: Pick<Request, 'headers'> & { socket: { remoteAddress?: string } }): boolean {
  const forwarded = request.headers['forwarded'] !== undefined || request.headers['x-forwarded-for'] !== undefined;
  return isLoopback(request.socket.remoteAddress) && !forwarded && isLocalHostHeader(request.headers.host);
}

/**
 * The API's one access rule, applied to every route:
 * - once AGIQA_API_TOKEN is set or any token that is not revoked exists, writes (POST, PUT, PATCH,
 *   DELETE) need `Authorization: Bearer <token>` (401 otherwise), and so do reads from clients that
 *   are not on this machine; reads from loopback stay open;
 * - before that, everything is open to loopback clients (so the first token can be created), and
 *   writes from other machines are refused with 403: nothing could authenticate them.
 * "Loopback" means `isLocalRequest`: the socket's peer, never forwarding headers, which instead
 * make a request count as remote; and a Host header naming this machine.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly tokens: TokensService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const read = READ_METHODS.has(request.method);
    const local = isLocalRequest(request);
    if (read && local) return true;
    if (!(await this.tokens.tokensRequired())) {
      if (local || read) return true;
      throw new AgiqaError(
        'forbidden',
        'changes from other machines need an API token: set AGIQA_API_TOKEN, or create one on this machine with POST /api/tokens',
      );
    }
    const token = bearerToken(request.headers.authorization);
    await this.tokens.verify(token);
    return true;
  }
}

function bearerToken(header: string | undefined): string {
  if (!header) throw new AgiqaError('unauthorized', 'this request needs an API token: send Authorization: Bearer <token>');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AgiqaError('unauthorized', 'malformed Authorization header: expected "Bearer <token>"');
  return match[1];
}
