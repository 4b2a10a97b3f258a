// ACL 1.0: the Go client with credentials (producer.WithCredentials,
// consumer.WithCredentials, admin.WithCredentials) against a CometMQ broker with
// aclEnable=true (its own NameServer and broker, started here).

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/admin"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

const aclRules = `accounts:
  - accessKey: producer1
    secretKey: producer-secret
    defaultTopicPerm: DENY
    defaultGroupPerm: SUB
    topicPerms:
      - TopicAcl=PUB|SUB
      - TopicAclDenied=DENY
  - accessKey: rocketmq2
    secretKey: admin-secret
    admin: true
`

// aclServers starts a NameServer and a broker with aclEnable=true; stopped after the
// scenario.
func aclServers(e *env) (ns, broker string, err error) {
	dir := filepath.Join(e.c.dir, "acl")
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	file := filepath.Join(dir, "plain_acl.yml")
	if err = os.WriteFile(file, []byte(aclRules), 0o644); err != nil {
		return
	}
	nsPort, err := freePort(false)
	if err != nil {
		return
	}
	nsConf := filepath.Join(dir, "namesrv.properties")
	body := fmt.Sprintf("listenPort=%d\nkvConfigPath=%s\n", nsPort, filepath.Join(dir, "kvConfig.json"))
	if err = os.WriteFile(nsConf, []byte(body), 0o644); err != nil {
		return
	}
	bin := filepath.Dir(e.c.namesrvs[0].args[0])
	n := &server{args: []string{filepath.Join(bin, "mqnamesrv"), "-c", nsConf}, log: filepath.Join(dir, "namesrv.log"), port: nsPort}
	port, err := freePort(true)
	if err != nil {
		return
	}
	store := filepath.Join(dir, "store")
	conf := filepath.Join(dir, "broker.conf")
	lines := []string{
		"brokerClusterName=AclCluster", "brokerName=broker-acl", "brokerIP1=127.0.0.1",
		fmt.Sprintf("listenPort=%d", port), fmt.Sprintf("namesrvAddr=127.0.0.1:%d", nsPort),
		"storePathRootDir=" + store, "mappedFileSizeCommitLog=67108864", "mappedFileSizeConsumeQueue=60000",
		"maxHashSlotNum=5000", "maxIndexNum=20000", "diskMaxUsedSpaceRatio=99",
		"aclEnable=true", "aclFilePath=" + file,
	}
	if err = os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return
	}
	b := &server{args: []string{filepath.Join(bin, "mqbroker"), "-c", conf}, log: filepath.Join(dir, "broker.log"), port: port}
	if err = n.start(); err != nil {
		return
	}
	e.cleanup = append(e.cleanup, n.stop)
	if err = b.start(); err != nil {
		return
	}
	e.cleanup = append(e.cleanup, b.stop)
	return fmt.Sprintf("127.0.0.1:%d", nsPort), fmt.Sprintf("127.0.0.1:%d", port), nil
}

// refused checks that err is the broker's ACL refusal naming why.
func refused(err error, why string) error {
	if err == nil {
		return fmt.Errorf("not refused: %s", why)
	}
	if !strings.Contains(err.Error(), why) {
		return fmt.Errorf("refusal of %q: %v", why, err)
	}
	return nil
}

func aclSignedClients(e *env) error {
	ns, brokerAddr, err := aclServers(e)
	if err != nil {
		return err
	}
	resolver := primitive.NewPassthroughResolver([]string{ns})
	adminCreds := primitive.Credentials{AccessKey: "rocketmq2", SecretKey: "admin-secret"}
	creds := primitive.Credentials{AccessKey: "producer1", SecretKey: "producer-secret"}
	adm, err := admin.NewAdmin(admin.WithResolver(resolver), admin.WithCredentials(adminCreds))
	if err != nil {
		return err
	}
	e.cleanup = append(e.cleanup, func() { _ = adm.Close() })
	// The Go admin signs only after a call that registers its ACL interceptor
	// (GetAllSubscriptionGroup does; CreateTopic does not): a Go client limitation.
	if _, err := adm.GetAllSubscriptionGroup(context.Background(), brokerAddr, 5*time.Second); err != nil {
		return fmt.Errorf("signed GET_ALL_SUBSCRIPTIONGROUP_CONFIG: %w", err)
	}
	for _, t := range []string{"TopicAcl", "TopicAclDenied"} {
		if err := adm.CreateTopic(context.Background(), admin.WithTopicCreate(t),
			admin.WithBrokerAddrCreate(brokerAddr), admin.WithReadQueueNums(2), admin.WithWriteQueueNums(2)); err != nil {
			return fmt.Errorf("create %s as admin: %w", t, err)
		}
	}
	// The topics' routes appear only if the signed admin requests passed (the Go admin
	// does not report a refused CreateTopic: it ignores the response code, so a
	// non-admin's refusal is not checked here).
	deadline := time.Now().Add(30 * time.Second)
	for {
		fresh, err := admin.NewAdmin(admin.WithResolver(resolver))
		if err != nil {
			return err
		}
		a, errA := fresh.FetchPublishMessageQueues(context.Background(), "TopicAcl")
		d, errD := fresh.FetchPublishMessageQueues(context.Background(), "TopicAclDenied")
		_ = fresh.Close()
		if errA == nil && errD == nil && len(a) == 2 && len(d) == 2 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the ACL topics' routes never appeared")
		}
		time.Sleep(100 * time.Millisecond)
	}
	newProducer := func(c primitive.Credentials) (rocketmq.Producer, error) {
		return e.producer(producer.WithNsResolver(resolver), producer.WithCredentials(c), producer.WithRetry(0))
	}
	p, err := newProducer(creds)
	if err != nil {
		return err
	}
	sent := messages("TopicAcl", "acl", 4)
	if err := sendEach(p, sent); err != nil {
		return err
	}
	_, err = p.SendSync(ctx, msg("TopicAclDenied", "TagA", "k", "denied"))
	if err := refused(err, "No default permission for topic:TopicAclDenied"); err != nil {
		return err
	}
	wrong, err := newProducer(primitive.Credentials{AccessKey: "producer1", SecretKey: "wrong-secret"})
	if err != nil {
		return err
	}
	_, err = wrong.SendSync(ctx, msg("TopicAcl", "TagA", "k", "wrong"))
	if err := refused(err, "Check signature failed for accessKey=producer1"); err != nil {
		return err
	}
	unknown, err := newProducer(primitive.Credentials{AccessKey: "nobody12", SecretKey: "whatever1"})
	if err != nil {
		return err
	}
	_, err = unknown.SendSync(ctx, msg("TopicAcl", "TagA", "k", "unknown"))
	if err := refused(err, "No acl config for nobody12"); err != nil {
		return err
	}
	s := &sink{}
	if _, err := e.pushConsumer(e.name("cg"), "TopicAcl", "*", s,
		consumer.WithNsResolver(resolver), consumer.WithCredentials(creds)); err != nil {
		return err
	}
	return sameMessages(sent, s.await(len(sent), 60*time.Second))
}
