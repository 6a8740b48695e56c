// The proxy area's public face. The route layer is pure and also used by `weft proxy check`.
export * from './routes/index.ts';
