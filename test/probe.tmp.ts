import { createPrismaClient } from '../platform/database';
import express from 'express';
import request from 'supertest';
async function main() {
  const prisma = createPrismaClient({ databaseUrl: 'postgresql://postgres:postgres@127.0.0.1:1/x', poolSize: 2 });
  try { await prisma.$queryRaw`SELECT 1`; } catch (e: any) { console.log('raw', e.constructor.name, e.code, e.message, JSON.stringify(e.meta), e.cause); }
  try { await prisma.creditAccount.findUnique({ where: { userId: 'x' } }); } catch (e: any) { console.log('model', e.constructor.name, e.code, e.message.slice(0,300), JSON.stringify(e.meta)); }
  const app = express();
  app.use(express.json());
  app.get('/g/:id', (req, res) => { res.json(req.params); });
  app.post('/p', (req, res) => { res.json(req.body); });
  app.use((err: any, _req: any, res: any, _next: any) => { console.log('err', err.constructor.name, err.type, err.status, err.message, err.code); res.status(599).end(); });
  await request(app).get('/g/%E0%A4%A');
  await request(app).get('/g/%zz');
  await request(app).post('/p').set('Content-Encoding', 'gzip').set('Content-Type', 'application/json').send('{"a":1}');
  await request(app).post('/p').set('Content-Encoding', 'deflate').set('Content-Type', 'application/json').send('{"a":1}');
  await request(app).post('/p').set('Content-Encoding', 'br').set('Content-Type', 'application/json').send('{"a":1}');
}
main();
