// Kept equal to package.json's version by src/version.test.ts.
export const weftVersion = '0.1.0';
