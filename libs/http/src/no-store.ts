import { Header } from '@nestjs/common';

/**
 * For an answer that carries a secret (a new API key, a token, a serviceKey):
 * no browser, proxy or CDN may keep a copy. One line on the route.
 */
export const NoStore = (): MethodDecorator => Header('Cache-Control', 'no-store');
