import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('GET /health', () => {
  it('reports ok with every check', async () => {
    const res = await SELF.fetch('https://vitals.test/health');
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ version: '0.1.0' });
  });
});
