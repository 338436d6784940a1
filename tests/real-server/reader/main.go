// stanctl-oracle-reader: reads channels back from a running NATS Streaming
// server with the stan.go client, for tests/real_server.rs.
//
// Usage:
//
//	stanctl-oracle-reader -url nats://127.0.0.1:PORT -cluster ID [-timeout 20s] CHANNEL=LAST_SEQ...
//
// For each CHANNEL it subscribes from the first available message and prints
// one JSON line per message until it has received LAST_SEQ:
//
//	{"channel":"orders.eu","seq":1,"timestamp":1795...,"subject":"orders.eu",
//	 "reply":"","redelivered":false,"data_len":12,"data_sha256":"ab12..."}
//
// A message with a sequence at or above LAST_SEQ ends the channel (the
// caller takes LAST_SEQ from the server's monitoring, or from a manifest for
// servers without one). When the timeout passes first it says so on stderr
// and exits 3, after printing what it received: a missing message is then a
// difference the caller sees, not a hang.
//
// With -publish it instead publishes one message ("stanctl-oracle-probe")
// to each CHANNEL (LAST_SEQ ignored) and waits for the server's ack, so
// that the caller can see which sequence the server continues at. It is built inside the
// nats-streaming-server v0.23.2 tree (which vendors stan.go) by
// scripts/test-real-server.sh; it is test code, never shipped.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	stan "github.com/nats-io/stan.go"
)

type line struct {
	Channel     string `json:"channel"`
	Seq         uint64 `json:"seq"`
	Timestamp   int64  `json:"timestamp"`
	Subject     string `json:"subject"`
	Reply       string `json:"reply"`
	Redelivered bool   `json:"redelivered"`
	DataLen     int    `json:"data_len"`
	DataSha256  string `json:"data_sha256"`
}

func main() {
	url := flag.String("url", "nats://127.0.0.1:4222", "NATS URL of the streaming server")
	cluster := flag.String("cluster", "", "streaming cluster id")
	timeout := flag.Duration("timeout", 20*time.Second, "overall time limit")
	publish := flag.Bool("publish", false, "publish one probe message to each channel instead of reading")
	flag.Parse()
	if *cluster == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: stanctl-oracle-reader -url URL -cluster ID CHANNEL=LAST_SEQ...")
		os.Exit(2)
	}
	deadline := time.Now().Add(*timeout)
	clientID := fmt.Sprintf("stanctl-oracle-reader-%d", os.Getpid())
	sc, err := stan.Connect(*cluster, clientID, stan.NatsURL(*url), stan.ConnectWait(5*time.Second))
	if err != nil {
		fmt.Fprintf(os.Stderr, "connect to %s (cluster %q): %v\n", *url, *cluster, err)
		os.Exit(1)
	}
	defer sc.Close()
	out := json.NewEncoder(os.Stdout)
	for _, arg := range flag.Args() {
		eq := strings.LastIndexByte(arg, '=')
		if eq < 0 {
			fmt.Fprintf(os.Stderr, "bad argument %q: want CHANNEL=LAST_SEQ\n", arg)
			os.Exit(2)
		}
		channel := arg[:eq]
		last, err := strconv.ParseUint(arg[eq+1:], 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bad last sequence in %q: %v\n", arg, err)
			os.Exit(2)
		}
		if *publish {
			if err := sc.Publish(channel, []byte("stanctl-oracle-probe")); err != nil {
				fmt.Fprintf(os.Stderr, "publish to %q: %v\n", channel, err)
				os.Exit(1)
			}
			continue
		}
		msgs := make(chan *stan.Msg, 1024)
		sub, err := sc.Subscribe(channel, func(m *stan.Msg) { msgs <- m },
			stan.DeliverAllAvailable(), stan.MaxInflight(1024))
		if err != nil {
			fmt.Fprintf(os.Stderr, "subscribe %q: %v\n", channel, err)
			os.Exit(1)
		}
		done := last == 0
		for !done {
			select {
			case m := <-msgs:
				sum := sha256.Sum256(m.Data)
				if err := out.Encode(line{channel, m.Sequence, m.Timestamp, m.Subject, m.Reply,
					m.Redelivered, len(m.Data), hex.EncodeToString(sum[:])}); err != nil {
					fmt.Fprintf(os.Stderr, "write: %v\n", err)
					os.Exit(1)
				}
				done = m.Sequence >= last
			case <-time.After(time.Until(deadline)):
				fmt.Fprintf(os.Stderr, "timeout: channel %q did not reach seq %d\n", channel, last)
				os.Exit(3)
			}
		}
		sub.Unsubscribe()
	}
}
