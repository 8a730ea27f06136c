# ruby-pg listener: LISTEN, then PG::Connection#wait_for_notify.
require 'pg'

host, port, user, database, password, channel, count, timeout, also = ARGV
count = Integer(count)
deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + Float(timeout)
$stdout.sync = true

conn = PG.connect(host: host, port: Integer(port), user: user, dbname: database,
                  password: (password.empty? ? nil : password), connect_timeout: 10)
raise 'SELECT 1' unless conn.exec('SELECT 1').getvalue(0, 0) == '1'
[channel, also].compact.each { |name| conn.exec("LISTEN #{conn.quote_ident(name)}") }
puts 'READY'
received = 0
while received < count
  remaining = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
  abort "timed out with #{received} of #{count} notifications" if remaining <= 0
  conn.wait_for_notify(remaining) do |ch, pid, payload|
    puts "#{ch.dup.force_encoding('UTF-8')}|#{pid}|#{(payload || '').dup.force_encoding('UTF-8')}"
    received += 1
  end
end
conn.close
