// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a successful login gives the
// client a cookie that says "this device signed in to this account", and the login throttle judges a login
// that presents it by that device's own failures only. The cookie is `gather_device=<id>.<issued>.<mac>`: a
// random device id, when it was issued (seconds), and an HMAC over both and the account (the email, lower-cased)
// under a key derived from JWT_SECRET. No server state; a browser keeps it on its own, and any other client
// may keep and send it as a Cookie header. It only ever exempts a login from failures made elsewhere: it signs
// no one in.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const DEVICE_COOKIE = 'gather_device';
/** How long a device stays known after its last successful login. */
export const DEVICE_MAX_AGE_SECONDS = 90 * 86_400;

export type DeviceTokens = Readonly<{
  /** The id of the device whose valid cookie for `account` the request carries; undefined otherwise. */
  read(request: FastifyRequest, account: string): string | undefined;
  /** After a successful login to `account`: the cookie, for `deviceId` (what read() found) or a new id. */
  give(request: FastifyRequest, reply: FastifyReply, account: string, deviceId: string | undefined): void;
}>;

const COOKIE_VALUE = new RegExp(
  `(?:^|;)\\s*${DEVICE_COOKIE}=([A-Za-z0-9_-]{22})\\.(\\d{1,12})\\.([A-Za-z0-9_-]{43})`,
);

export function createDeviceTokens(secret: string): DeviceTokens {
  // A key of its own: a device cookie can never pass for a signed token, nor the reverse.
  const key = createHmac('sha256', secret).update('gather device cookies').digest();
  const mac = (id: string, issued: string, account: string) =>
    createHmac('sha256', key).update(`${id}.${issued}.${account}`).digest();

  return Object.freeze({
    read: (request, account) => {
      const match = COOKIE_VALUE.exec(request.headers.cookie ?? '');
      if (match === null) return undefined;
      const [, id, issued, signature] = match as unknown as [string, string, string, string];
      if (Date.now() / 1000 - Number(issued) > DEVICE_MAX_AGE_SECONDS) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(id, issued, account);
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
    },
    give: (request, reply, account, deviceId) => {
      const id = deviceId ?? randomBytes(16).toString('base64url');
      const issued = String(Math.floor(Date.now() / 1000));
      const value = `${id}.${issued}.${mac(id, issued, account).toString('base64url')}`;
      const secure = request.protocol === 'https' ? '; Secure' : '';
      reply.header(
        'set-cookie',
        `${DEVICE_COOKIE}=${value}; Max-Age=${DEVICE_MAX_AGE_SECONDS}; Path=/api/users/login; HttpOnly; SameSite=Strict${secure}`,
      );
    },
  });
}
