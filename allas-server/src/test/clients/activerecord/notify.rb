# ActiveRecord notifier: broadcasts each PAYLOAD on CHANNEL through the connection pool,
# alternately as Action Cable's PostgreSQL adapter broadcasts (NOTIFY on a pooled connection's raw
# PG::Connection) and with pg_notify() bound (a prepared statement) inside a transaction. Prints,
# for each, the process ID of the connection that sent it.
#
# Arguments: HOST PORT USER DATABASE PASSWORD CHANNEL PAYLOAD...
require 'active_record'

host, port, user, database, password, channel, *payloads = ARGV
$stdout.sync = true

ActiveRecord::Base.establish_connection(adapter: 'postgresql', host: host, port: Integer(port), username: user,
                                        password: (password.empty? ? nil : password), database: database)
text = ActiveRecord::Type::String.new
payloads.each_with_index do |payload, i|
  ActiveRecord::Base.connection_pool.with_connection do |ar|
    if i.even?
      pg = ar.raw_connection
      pg.exec("NOTIFY #{pg.escape_identifier(channel)}, '#{pg.escape_string(payload)}'")
    else
      ar.transaction do
        ar.exec_query('SELECT pg_notify($1, $2)', 'SQL',
                      [ActiveRecord::Relation::QueryAttribute.new('channel', channel, text),
                       ActiveRecord::Relation::QueryAttribute.new('payload', payload, text)])
      end
    end
    puts ar.select_value('SELECT pg_backend_pid()')
  end
end
ActiveRecord::Base.connection_pool.disconnect!
