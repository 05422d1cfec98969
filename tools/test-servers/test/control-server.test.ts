import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { registerSharedServer, startControlServer } from '../src/control-server.js';

function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('control server', () => {
  it('starts a shared server on first request only, once, and stops it on close', async () => {
    let starts = 0;
    let stops = 0;
    registerSharedServer('probe', async () => {
      starts += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { info: { version: 'p1', address: `a${starts}` }, stop: async () => void (stops += 1) };
    });
    const control = await startControlServer();
    expect(control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(starts).toBe(0);
    const replies = await Promise.all([get(`${control.url}/probe`), get(`${control.url}/probe`)]);
    const later = await get(`${control.url}/probe`);
    expect(starts).toBe(1);
    for (const reply of [...replies, later])
      expect(reply).toEqual({ status: 200, body: { version: 'p1', address: 'a1' } });
    await control.close();
    expect(stops).toBe(1);
  });

  it('reports a failed start to every caller and names unknown servers', async () => {
    let starts = 0;
    registerSharedServer('broken', async () => {
      starts += 1;
      throw new Error('java missing: apt-get install -y openjdk-17-jdk-headless maven');
    });
    const control = await startControlServer();
    try {
      const first = await get(`${control.url}/broken`);
      const second = await get(`${control.url}/broken`);
      expect(first.status).toBe(500);
      expect(first.body.error).toMatch(/apt-get install/);
      expect(second).toEqual(first);
      expect(starts).toBe(1);
      const unknown = await get(`${control.url}/nope`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatch(/unknown shared server nope/);
    } finally {
      await control.close();
    }
  });
});

describe('control server, dead shared server', () => {
  it('answers with an error once the shared server reports it died', async () => {
    let alive = true;
    registerSharedServer('mortal', async () => ({
      info: { version: 'm1' },
      alive: () => alive,
      stop: async () => {},
    }));
    const control = await startControlServer();
    try {
      expect((await get(`${control.url}/mortal`)).status).toBe(200);
      alive = false;
      const reply = await get(`${control.url}/mortal`);
      expect(reply.status).toBe(500);
      expect(reply.body.error).toMatch(/shared mortal of this run has died/);
    } finally {
      await control.close();
    }
  });
});
