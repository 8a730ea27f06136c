# ActiveRecord listener: Rails' postgresql adapter at its defaults; LISTEN through the pooled
# connection, then wait_for_notify on its raw PG::Connection, as Action Cable's PostgreSQL
# adapter does.
require 'active_record'

host, port, user, database, password, channel, count, timeout, also = ARGV
count = Integer(count)
deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + Float(timeout)
$stdout.sync = true

ActiveRecord::Base.establish_connection(adapter: 'postgresql', host: host, port: Integer(port), username: user,
                                        password: (password.empty? ? nil : password), database: database)
conn = ActiveRecord::Base.connection
raise 'SELECT 1' unless conn.select_value('SELECT 1') == 1
[channel, also].compact.each { |name| conn.execute("LISTEN #{conn.quote_column_name(name)}") }
puts 'READY'
received = 0
while received < count
  remaining = deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
  abort "timed out with #{received} of #{count} notifications" if remaining <= 0
  conn.raw_connection.wait_for_notify(remaining) do |ch, pid, payload|
    puts "#{ch.dup.force_encoding('UTF-8')}|#{pid}|#{(payload || '').dup.force_encoding('UTF-8')}"
    received += 1
  end
end
ActiveRecord::Base.connection_pool.disconnect!
