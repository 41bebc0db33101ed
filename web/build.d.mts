import type { Server } from 'node:http';
export function buildWeb(): Promise<string>;
export function serve(port?: number): Promise<Server>;
