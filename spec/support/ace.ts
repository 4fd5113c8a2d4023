import { setupServer } from 'msw/node';
export const aceServer = setupServer();
