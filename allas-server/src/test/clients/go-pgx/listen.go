// pgx v4 listener: Exec("LISTEN ...") then Conn.WaitForNotification. Built in GOPATH mode
// against Debian's golang-github-jackc-pgx-v4-dev (GO111MODULE=off GOPATH=/usr/share/gocode).
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v4"
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeout*float64(time.Second)))
	defer cancel()

	config, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable connect_timeout=10",
		host, port, user, database))
	if err != nil {
		fail("config: %v", err)
	}
	config.Password = password
	conn, err := pgx.ConnectConfig(ctx, config)
	if err != nil {
		fail("connect: %v", err)
	}
	defer conn.Close(context.Background())
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		fail("SELECT 1: %v (%d)", err, one)
	}
	for _, name := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{name}.Sanitize()); err != nil {
			fail("LISTEN: %v", err)
		}
	}
	fmt.Println("READY")
	for received := 0; received < count; received++ {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			fail("after %d of %d notifications: %v", received, count, err)
		}
		fmt.Printf("%s|%d|%s\n", n.Channel, n.PID, n.Payload)
	}
}
