import { afterEach, describe, expect, it } from 'vitest';
import { requireJava, requireMaven } from '../src/java-tools.js';

const realPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = realPath;
});

describe('requireJava / requireMaven', () => {
  it('say how to install Java and Maven when they are not on the PATH', () => {
    process.env.PATH = '/nonexistent-dstream-bin';
    expect(() => requireJava()).toThrow(/Java 17\+[\s\S]*apt-get install -y openjdk-17-jdk-headless maven/);
    expect(() => requireMaven()).toThrow(/Maven[\s\S]*apt-get install -y openjdk-17-jdk-headless maven/);
  });

  it('pass on this machine, which has both', () => {
    expect(() => requireJava()).not.toThrow();
    expect(() => requireMaven()).not.toThrow();
  });
});
