// Types the value that the global setup hands to test workers (vitest `provide`/`inject`).
declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the @dstream/test-servers control server of this test run. */
    dstreamTestServersUrl: string;
  }
}

export {};
