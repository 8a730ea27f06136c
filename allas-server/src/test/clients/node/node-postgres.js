// node-postgres (pg) listener: client.query('LISTEN ...'), then client.on('notification').
'use strict';
const { Client } = require('pg');

const [host, port, user, database, password, channel, count, timeout, also] = process.argv.slice(2);
const expected = Number(count);
const timer = setTimeout(() => {
  process.stderr.write(`timed out after ${timeout} s\n`);
  process.exit(3);
}, Number(timeout) * 1000);

async function main() {
  const client = new Client({
    host, port: Number(port), user, database, password: password || undefined, connectionTimeoutMillis: 10000,
  });
  await client.connect();
  const { rows } = await client.query('SELECT 1');
  if (rows.length !== 1 || rows[0]['?column?'] !== 1) throw new Error('SELECT 1 returned ' + JSON.stringify(rows));
  let received = 0;
  const done = new Promise((resolve) => {
    client.on('notification', (n) => {
      process.stdout.write(`${n.channel}|${n.processId}|${n.payload ?? ''}\n`);
      if (++received === expected) resolve();
    });
  });
  for (const name of also === undefined ? [channel] : [channel, also]) {
    await client.query('LISTEN ' + client.escapeIdentifier(name));
  }
  process.stdout.write('READY\n');
  await done;
  await client.end();
  clearTimeout(timer);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
