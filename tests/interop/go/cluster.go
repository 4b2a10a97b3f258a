package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is a CometMQ child process (mqnamesrv or mqbroker) that can be stopped and
// started again with the same command line.
type server struct {
	args []string
	log  string
	port int
	cmd  *exec.Cmd
}

func (s *server) start() error {
	out, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(s.args[0], s.args[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = out, out
	if err := s.cmd.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 500*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not listen on %d; see %s", s.args[0], s.port, s.log)
}

// stop sends SIGTERM (the server saves offsets and configs) and waits.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// cluster is two NameServers and two broker groups on free loopback ports.
type cluster struct {
	dir      string
	namesrvs [2]*server
	brokers  [2]*server
}

var brokerNames = [2]string{"broker-a", "broker-b"}

func freePort(broker bool) (int, error) {
	for i := 0; i < 100; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		// A broker also listens on port-2 (the fast channel).
		if !broker || (port > 1100 && isFree(port-2) && isFree(port+1)) {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port")
}

func isFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func newCluster(bin, dir, extra string) (*cluster, error) {
	c := &cluster{dir: dir}
	for i := range c.namesrvs {
		port, err := freePort(false)
		if err != nil {
			return nil, err
		}
		conf := filepath.Join(dir, fmt.Sprintf("namesrv-%d.properties", i))
		body := fmt.Sprintf("listenPort=%d\nkvConfigPath=%s\nconfigStorePath=%s\n", port,
			filepath.Join(dir, fmt.Sprintf("ns-%d", i), "kvConfig.json"),
			filepath.Join(dir, fmt.Sprintf("ns-%d", i), "namesrv.properties"))
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			return nil, err
		}
		c.namesrvs[i] = &server{args: []string{filepath.Join(bin, "mqnamesrv"), "-c", conf},
			log: filepath.Join(dir, fmt.Sprintf("namesrv-%d.log", i)), port: port}
	}
	for i, name := range brokerNames {
		port, err := freePort(true)
		if err != nil {
			return nil, err
		}
		store := filepath.Join(dir, "store-"+name)
		conf := filepath.Join(dir, name+".conf")
		lines := []string{
			"brokerClusterName=DefaultCluster",
			"brokerName=" + name,
			"brokerId=0",
			"brokerIP1=127.0.0.1",
			fmt.Sprintf("listenPort=%d", port),
			"namesrvAddr=" + strings.Join(c.namesrvAddrs(), ";"),
			"storePathRootDir=" + store,
			"storePathCommitLog=" + filepath.Join(store, "commitlog"),
			"mapedFileSizeCommitLog=67108864",
			"mapedFileSizeConsumeQueue=60000",
			"maxHashSlotNum=5000",
			"maxIndexNum=20000",
			"diskMaxUsedSpaceRatio=99",
			"autoCreateTopicEnable=true",
			"autoCreateSubscriptionGroup=true",
			extra,
		}
		if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
		c.brokers[i] = &server{args: []string{filepath.Join(bin, "mqbroker"), "-c", conf},
			log: filepath.Join(dir, name+".log"), port: port}
	}
	return c, nil
}

func (c *cluster) namesrvAddrs() []string {
	var out []string
	for _, s := range c.namesrvs {
		if s != nil {
			out = append(out, fmt.Sprintf("127.0.0.1:%d", s.port))
		}
	}
	return out
}

func (c *cluster) brokerAddr(i int) string {
	return fmt.Sprintf("127.0.0.1:%d", c.brokers[i].port)
}

func (c *cluster) start() error {
	for _, s := range c.namesrvs {
		if err := s.start(); err != nil {
			return err
		}
	}
	for _, s := range c.brokers {
		if err := s.start(); err != nil {
			return err
		}
	}
	return nil
}

func (c *cluster) stop() {
	for _, s := range c.brokers {
		s.stop()
	}
	for _, s := range c.namesrvs {
		s.stop()
	}
}
