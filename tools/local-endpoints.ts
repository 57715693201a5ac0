/**
 * Where `npm start` serves the service on localhost by default. The local stack listens
 * there; the OpenAPI document names the local API and token endpoint from here, so writing the
 * document never loads the local stack itself.
 */
export const DEFAULT_PORTS = {
  api: 3000,
  lambda: 3002,
  offline: 3003,
  issuer: 4010,
  partner: 4011,
  dynamo: 4567,
} as const;

const LOCAL_HOST = '127.0.0.1';
export const LOCAL_STAGE = 'dev';
export const LOCAL_TOKEN_URL = `http://${LOCAL_HOST}:${DEFAULT_PORTS.issuer}/token`;
export const LOCAL_API_URL = `http://${LOCAL_HOST}:${DEFAULT_PORTS.api}/${LOCAL_STAGE}`;
