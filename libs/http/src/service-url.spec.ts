import { serviceUrl } from './service-url';

describe('serviceUrl', () => {
  it('keeps the base URL path prefix, with or without a trailing slash', () => {
    expect(serviceUrl('https://gw.example/vault', '/v1/token').toString()).toBe('https://gw.example/vault/v1/token');
    expect(serviceUrl('https://gw.example/vault/', '/.well-known/jwks.json').toString()).toBe('https://gw.example/vault/.well-known/jwks.json');
    expect(serviceUrl('http://127.0.0.1:3002', '/v1/keys/a%20b').toString()).toBe('http://127.0.0.1:3002/v1/keys/a%20b');
  });
});
