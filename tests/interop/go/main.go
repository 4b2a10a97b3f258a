// The Go interop suite: Apache RocketMQ's Go client (github.com/apache/rocketmq-client-go/v2,
// pinned in go.mod) against CometMQ's mqnamesrv and mqbroker. Starts two NameServers and
// two broker groups on free loopback ports with temporary stores, runs every scenario,
// prints PASS/FAIL per scenario and a final "go interop: N passed, N failed" line, and
// appends "client<TAB>scenario<TAB>result" rows to $INTEROP_RESULTS when set.
//
//	go run . -bin ../../../target/debug [-only a,b]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/rlog"
)

const client = "go-2.1.3-pre"

func main() {
	bin := flag.String("bin", "target/debug", "directory holding mqnamesrv and mqbroker")
	only := flag.String("only", "", "comma-separated scenarios to run")
	flag.Parse()
	rlog.SetLogLevel("fatal")
	abs, err := filepath.Abs(*bin)
	if err != nil {
		fmt.Println("bad -bin:", err)
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "cometmq-interop-go-")
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	fmt.Printf("%s: CometMQ from %s, logs in %s\n", client, abs, dir)
	c, err := newCluster(abs, dir, strings.Join([]string{delayLevelConf(), "transactionTimeOut=1000", "transactionCheckInterval=1000", "enablePropertyFilter=true"}, "\n"))
	if err == nil {
		err = c.start()
	}
	if err != nil {
		fmt.Printf("FAIL %s cluster: %v\n", client, err)
		fmt.Printf("go interop: 0 passed, 1 failed\n")
		os.Exit(1)
	}
	defer c.stop()
	adm, err := admin.NewAdmin(admin.WithResolver(newResolver(c)))
	if err != nil {
		fmt.Printf("FAIL %s admin: %v\n", client, err)
		os.Exit(1)
	}
	e := &env{c: c, admin: adm, run: strconv.FormatInt(time.Now().UnixMilli()%46656, 36)}
	passed, failed := 0, 0
	for _, s := range scenarios() {
		if *only != "" && !contains(strings.Split(*only, ","), s.name) {
			continue
		}
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- s.run(e) }()
		var outcome error
		select {
		case outcome = <-done:
		case <-time.After(180 * time.Second):
			outcome = fmt.Errorf("timed out after 180 s")
		}
		e.done()
		ms := time.Since(start).Milliseconds()
		result := "pass"
		if outcome == nil {
			passed++
			fmt.Printf("PASS %s %s (%d ms)\n", client, s.name, ms)
		} else {
			failed++
			result = "FAIL: " + strings.SplitN(outcome.Error(), "\n", 2)[0]
			fmt.Printf("FAIL %s %s (%d ms): %v\n", client, s.name, ms, outcome)
		}
		if path := os.Getenv("INTEROP_RESULTS"); path != "" {
			if f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
				fmt.Fprintf(f, "%s\t%s\t%s\n", client, s.name, result)
				f.Close()
			}
		}
	}
	_ = adm.Close()
	c.stop()
	if failed == 0 {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Printf("%s: servers' logs and stores kept in %s\n", client, dir)
	}
	fmt.Printf("go interop: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func newResolver(c *cluster) interface {
	Resolve() []string
	Description() string
} {
	return (&env{c: c}).ns()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}
