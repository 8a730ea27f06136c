// lib/pq listener: pq.NewListener, then Listener.Notify. Built in GOPATH mode against Debian's
// golang-github-lib-pq-dev (GO111MODULE=off GOPATH=/usr/share/gocode).
package main

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/lib/pq"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 9 && len(os.Args) != 10 {
		fail("usage: listen HOST PORT USER DATABASE PASSWORD CHANNEL COUNT TIMEOUT_SECONDS [SECOND_CHANNEL]")
	}
	channels := []string{os.Args[6]}
	if len(os.Args) == 10 {
		channels = append(channels, os.Args[9])
	}
	host, port, user, database, password := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5]
	count, _ := strconv.Atoi(os.Args[7])
	timeout, _ := strconv.ParseFloat(os.Args[8], 64)
	deadline := time.After(time.Duration(timeout * float64(time.Second)))

	dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable connect_timeout=10", host, port, user, database)
	if password != "" {
		dsn += " password='" + password + "'"
	}
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		fail("open: %v", err)
	}
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		fail("SELECT 1: %v (%d)", err, one)
	}
	db.Close()

	events := make(chan string, 16)
	listener := pq.NewListener(dsn, time.Second, 5*time.Second, func(event pq.ListenerEventType, err error) {
		if err != nil {
			events <- err.Error()
		}
	})
	defer listener.Close()
	for _, name := range channels {
		listenDone := make(chan error, 1)
		go func() { listenDone <- listener.Listen(name) }()
		select {
		case err := <-listenDone:
			if err != nil {
				fail("LISTEN: %v", err)
			}
		case <-deadline:
			fail("timed out before LISTEN was acknowledged")
		}
	}
	fmt.Println("READY")
	for received := 0; received < count; {
		select {
		case n := <-listener.Notify:
			if n == nil { // the connection was lost and re-established
				fail("listener connection lost")
			}
			fmt.Printf("%s|%d|%s\n", n.Channel, n.BePid, n.Extra)
			received++
		case e := <-events:
			fail("listener: %s", e)
		case <-deadline:
			fail("timed out with %d of %d notifications", received, count)
		}
	}
}
