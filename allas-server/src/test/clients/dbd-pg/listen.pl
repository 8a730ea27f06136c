#!/usr/bin/perl
# DBD::Pg listener: LISTEN, then $dbh->pg_notifies, waiting with select() on pg_socket.
use strict;
use warnings;
use DBI;
use IO::Select;
use IO::Handle;
use Time::HiRes qw(time);
use Encode qw(decode);

my ($host, $port, $user, $database, $password, $channel, $count, $timeout, @also) = @ARGV;
$channel = decode('UTF-8', $channel, Encode::FB_CROAK);
my $deadline = time() + $timeout;
binmode STDOUT, ':encoding(UTF-8)';
STDOUT->autoflush(1);

my $dbh = DBI->connect("dbi:Pg:dbname=$database;host=$host;port=$port;connect_timeout=10", $user,
    ($password eq '' ? undef : $password), {AutoCommit => 1, RaiseError => 1, PrintError => 0, pg_enable_utf8 => 1})
    or die $DBI::errstr;
my ($one) = $dbh->selectrow_array('SELECT 1');
die 'SELECT 1' unless defined $one && $one == 1;
$dbh->do('LISTEN ' . $dbh->quote_identifier($_)) for ($channel, map { decode('UTF-8', $_, Encode::FB_CROAK) } @also);
print "READY\n";
my $select = IO::Select->new();
open(my $socket, '<&=', $dbh->{pg_socket}) or die "cannot use pg_socket: $!";
$select->add($socket);
my $received = 0;
while ($received < $count) {
    my $remaining = $deadline - time();
    die "timed out with $received of $count notifications\n" if $remaining <= 0;
    $select->can_read($remaining);
    while ($received < $count && (my $n = $dbh->pg_notifies)) {
        my ($name, $pid, $payload) = @$n;
        print "$name|$pid|" . ($payload // '') . "\n";
        $received++;
    }
}
$dbh->disconnect;
