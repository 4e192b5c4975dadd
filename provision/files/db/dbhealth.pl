#!/usr/bin/perl
# Galera health agent for the routers' `option httpchk` on :9200. One long-running process: it keeps one
# connection to MariaDB, samples wsrep_local_state and wsrep_ready every 500 ms with an asynchronous query
# (the event loop never blocks on MariaDB), and answers every check at once from the latest sample:
# 200 when this node is Synced (state 4) and ready, else 503 with the reason. No process per check: the
# agent it replaces (a socket-activated bash + mysql client per check) cost ~40 % of a core per db node
# at two routers' check rate and timed out on a busy host, marking every db server DOWN at once.
# A sample older than STALE_S (MariaDB hung) answers 503. /etc/lab/db-maintenance takes the node out.
use strict;
use warnings;
use DBI;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

my $PORT = $ENV{LAB_DBHEALTH_PORT} // 9200;
my $SOCKET = '/run/mysqld/mysqld.sock';
my $SAMPLE_S = 0.5;
my $STALE_S = 5;
my $QUERY = "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state','wsrep_ready')";

my $listen = IO::Socket::INET->new(LocalPort => $PORT, Listen => 128, ReuseAddr => 1, Proto => 'tcp')
  or die "dbhealth: cannot listen on :$PORT: $!\n";
$listen->blocking(0);
my $sel = IO::Select->new($listen);
my %clients;    # fileno => { sock, buf, since }
my ($dbh, $sth, $dbfd, $started);    # $dbfd: the connection's file number, watched while a sample runs
my %sample = (at => 0, state => 'unknown', ready => 'unknown', error => 'no sample yet');
my $next_sample = 0;

sub db_connect {
  $dbh = DBI->connect("DBI:MariaDB:mariadb_socket=$SOCKET", 'root', '',
    { RaiseError => 0, PrintError => 0, AutoCommit => 1, mariadb_connect_timeout => 2 });
  return 1 if $dbh;
  %sample = (at => time, state => 'unknown', ready => 'unknown', error => "MariaDB: " . ($DBI::errstr // 'no connection'));
  return 0;
}

sub db_drop { $sel->remove($dbfd) if defined $dbfd; undef $sth; undef $dbh; undef $dbfd; }

sub failed { %sample = (%sample, error => "MariaDB: $_[0]"); db_drop(); }

# Starts the next sample; its answer arrives on the connection's socket, which the loop watches.
sub start_sample {
  return if $sth || (!$dbh && !db_connect());
  $sth = $dbh->prepare($QUERY, { mariadb_async => 1 });
  return failed($DBI::errstr // 'prepare failed') if !$sth || !$sth->execute;
  # The number, not a handle: a handle made from it would close MariaDB's socket when freed.
  $dbfd = $dbh->mariadb_sockfd;
  $started = time;
  $sel->add($dbfd);
}

sub finish_sample {
  my %v;
  return failed($DBI::errstr // 'query failed') unless defined $sth->mariadb_async_result;
  while (my ($k, $val) = $sth->fetchrow_array) { $v{$k} = $val; }
  %sample = (at => time, state => $v{wsrep_local_state} // 'none', ready => $v{wsrep_ready} // 'none', error => '');
  $sel->remove($dbfd);
  undef $dbfd;
  undef $sth;
}

sub verdict {
  return ('503 Service Unavailable', 'maintenance: /etc/lab/db-maintenance exists') if -e '/etc/lab/db-maintenance';
  my $age = time - $sample{at};
  return ('503 Service Unavailable', sprintf('stale: no sample for %.1f s (%s)', $age, $sample{error} || 'MariaDB slow'))
    if $age > $STALE_S;
  return ('503 Service Unavailable', "not synced: $sample{error}") if $sample{error};
  return ('200 OK', "synced: wsrep_local_state=4 wsrep_ready=ON") if $sample{state} eq '4' && $sample{ready} eq 'ON';
  return ('503 Service Unavailable', "not synced: wsrep_local_state=$sample{state} wsrep_ready=$sample{ready}");
}

sub answer {
  my ($c) = @_;
  my ($code, $body) = verdict();
  $body .= "\n";
  my $msg = "HTTP/1.1 $code\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " . length($body) . "\r\n\r\n$body";
  syswrite($c->{sock}, $msg);
  close_client($c);
}

sub close_client { my ($c) = @_; delete $clients{ fileno($c->{sock}) }; $sel->remove($c->{sock}); close($c->{sock}); }

$SIG{PIPE} = 'IGNORE';
$SIG{TERM} = $SIG{INT} = sub { exit 0 };
while (1) {
  my $now = time;
  if ($now >= $next_sample) { start_sample(); $next_sample = $now + $SAMPLE_S; }
  my $wait = $next_sample - time;
  for my $fh ($sel->can_read($wait > 0 ? $wait : 0)) {
    if (!ref $fh) {
      finish_sample() if defined $dbfd && $fh == $dbfd;
    } elsif ($fh == $listen) {
      while (my $s = $listen->accept) { $s->blocking(0); $clients{ fileno($s) } = { sock => $s, buf => '', since => time }; $sel->add($s); }
    } elsif (my $c = $clients{ fileno($fh) }) {
      my $n = sysread($fh, my $chunk, 4096);
      if (!$n) { close_client($c); next; }
      $c->{buf} .= $chunk;
      # Answer once the request's headers are in, so closing the socket does not reset it under HAProxy.
      answer($c) if $c->{buf} =~ /\r?\n\r?\n/ || length($c->{buf}) > 8192;
    }
  }
  # A client that never finishes its request is dropped; so is a sample MariaDB never answered.
  for my $c (values %clients) { close_client($c) if time - $c->{since} > 2; }
  failed('no answer to a status query in 2 s') if $sth && time - $started > 2;
}
