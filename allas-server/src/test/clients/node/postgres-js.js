// postgres.js listener: sql.listen(channel, onnotify, onlisten).
'use strict';
const postgres = require('postgres');

const [host, port, user, database, password, channel, count, timeout, also] = process.argv.slice(2);
const expected = Number(count);
const timer = setTimeout(() => {
  process.stderr.write(`timed out after ${timeout} s\n`);
  process.exit(3);
}, Number(timeout) * 1000);

async function main() {
  const sql = postgres({
    host, port: Number(port), user, database, pass: password || undefined, connect_timeout: 10, max: 1,
    onnotice: (notice) => process.stderr.write(`notice: ${JSON.stringify(notice)}\n`),
  });
  const rows = await sql`SELECT 1`;
  if (rows.length !== 1 || rows[0]['?column?'] !== 1) throw new Error('SELECT 1 returned ' + JSON.stringify(rows));
  let received = 0;
  let resolveDone;
  const done = new Promise((resolve) => { resolveDone = resolve; });
  // postgres.js hands the listener the payload only: the channel is the one listened to, and the
  // notifying backend's PID is not passed on, so the line says "-" for it.
  for (const name of also === undefined ? [channel] : [channel, also]) {
    await sql.listen(name, (payload) => {
      process.stdout.write(`${name}|-|${payload ?? ''}\n`);
      if (++received === expected) resolveDone();
    });
  }
  process.stdout.write('READY\n');
  await done;
  await sql.end({ timeout: 5 });
  clearTimeout(timer);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
