// Who is calling, and the support console's sign-in: trade an API key for a session cookie once per
// browser session, sign out, and list the agents work can be assigned to.
import { Controller, Delete, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Clock } from '@app/event-sourcing';
import { ProblemException } from '../errors/problem.filter';
import { ApiAnswer } from '../openapi/api-answers';
import { CLOCK } from '../platform.tokens';
import { API_KEY_REGISTRY, ApiKeyRegistry } from './api-key-registry';
import type { AuthenticatedRequest } from './api-key.guard';
import { ROLES, Roles, type Principal } from './roles';
import { clearSessionCookie, SESSIONS, Sessions, setSessionCookie, type SessionClaims, type SessionTimes } from './sessions';

export interface Identity {
  /** The API key's id: what events record as `metadata.actor.id`, and what tickets are assigned to. */
  readonly id: string;
  /** The key's label: the agent's name for a per-agent key (`chronicle keys create --label "Ada Lovelace"`). */
  readonly name: string;
  readonly roles: readonly string[];
  /** How this request was authenticated. */
  readonly via: 'apiKey' | 'session';
  /** For a session: when it ends, and the token its POST, PUT, PATCH and DELETE requests send as X-CSRF-Token. */
  readonly session?: SessionTimes & { readonly csrfToken: string };
}

export interface Agent {
  readonly id: string;
  readonly name: string;
}

/** What GET /v1/agents answers: the agents by name. */
export interface AgentList {
  readonly items: readonly Agent[];
}

@ApiTags('identity')
@ApiBearerAuth()
@Controller({ version: '1' })
export class IdentityController {
  constructor(
    @Inject(SESSIONS) private readonly sessions: Sessions,
    @Inject(API_KEY_REGISTRY) private readonly registry: ApiKeyRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('me')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'The identity of the key or console session making the request: id, name, roles (and the session\'s end and CSRF token)' })
  @ApiAnswer(200, 'Identity')
  me(@Req() request: AuthenticatedRequest): Identity {
    return this.identity(request.principal as Principal, request.session);
  }

  @Post('session')
  @Roles('support')
  @ApiOperation({
    summary:
      'Console sign-in: send the agent\'s own key (Authorization: Bearer) and no body; answers the identity and sets an HttpOnly, SameSite=Strict session cookie ' +
      '(Secure over TLS) that stands for the key until sign-out, the browser closes, SESSION_IDLE_MINUTES without a request or SESSION_MAX_HOURS',
  })
  @ApiAnswer(201, 'Identity', 'Signed in: Set-Cookie chronicle_session (HttpOnly, SameSite=Strict); the identity with the session\'s end and CSRF token')
  signIn(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Identity {
    // A session opening another would outlive its own time limit.
    if (request.session !== undefined) throw new ProblemException(403, 'Sign in with the API key itself (Authorization: Bearer), not with a session', { code: 'KEY_REQUIRED' });
    const principal = request.principal as Principal;
    const { token, claims } = this.sessions.issue(principal.keyId, this.clock.now());
    setSessionCookie(request, reply, token);
    return this.identity(principal, claims);
  }

  @Delete('session')
  @HttpCode(204)
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Sign out: ends the console session of the request (with its CSRF token) and clears the cookie' })
  @ApiAnswer(204, null, 'Signed out (nothing to end when the request came with a key): the cookie is cleared')
  async signOut(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    // Recorded for every process before the answer: a 204 means no copy of the cookie works anywhere.
    if (request.session !== undefined) await this.sessions.revoke(request.session, this.clock.now());
    clearSessionCookie(request, reply);
  }

  @Get('agents')
  @Roles('support')
  @ApiOperation({ summary: 'The agents (support keys) tickets can be assigned to: id and name, by name' })
  @ApiAnswer(200, 'AgentList')
  agents(): AgentList {
    const agents = this.registry.principalsWithRole('support').map((p) => ({ id: p.keyId, name: p.label }));
    return { items: agents.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  private identity(principal: Principal, session: SessionClaims | undefined): Identity {
    return {
      id: principal.keyId,
      name: principal.label,
      roles: principal.roles,
      via: session ? 'session' : 'apiKey',
      ...(session ? { session: { ...this.sessions.times(session), csrfToken: this.sessions.csrfToken(session) } } : {}),
    };
  }
}
