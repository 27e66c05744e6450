export * from './create-http-app';
export * from './domain-error';
export * from './http-error.filter';
export * from './openapi-document';
export * from './zod-validation.pipe';
export * from './service-url';
export * from './no-store';
export * from './security-headers';
