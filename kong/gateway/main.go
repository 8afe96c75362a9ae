// Command gateway runs the Kong-protocol harness as a standalone proxy:
// it starts the plugin servers named in a DB-less kong.yml and proxies
// plain HTTP to the configured services until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/warden-gw/warden/kong/harness"
)

type resolveFlag map[string]string

func (r resolveFlag) String() string { return fmt.Sprint(map[string]string(r)) }

func (r resolveFlag) Set(v string) error {
	host, ip, ok := strings.Cut(v, "=")
	if !ok || host == "" || ip == "" {
		return fmt.Errorf("want host=ip, got %q", v)
	}
	r[host] = ip
	return nil
}

// serverArgsFlag collects NAME=ARG, the extra arguments of a plugin
// server's query and start commands.
type serverArgsFlag map[string][]string

func (a serverArgsFlag) String() string { return fmt.Sprint(map[string][]string(a)) }

func (a serverArgsFlag) Set(v string) error {
	name, arg, ok := strings.Cut(v, "=")
	if !ok || name == "" || arg == "" {
		return fmt.Errorf("want plugin=argument, got %q", v)
	}
	a[name] = append(a[name], arg)
	return nil
}

// listFlag collects repeated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func main() {
	resolve := resolveFlag{}
	serverArgs := serverArgsFlag{}
	config := flag.String("config", "kong/kong.yml", "DB-less kong.yml")
	plugins := flag.String("plugins", "bin", "directory holding the plugin binaries")
	listen := flag.String("listen", "127.0.0.1:8000", "proxy listen address")
	prefix := flag.String("prefix", "", "Kong prefix for plugin sockets (a temp dir when empty)")
	flag.Var(resolve, "resolve", "host=ip override for upstream hosts (repeatable)")
	var keepEnv listFlag
	flag.Var(&keepEnv, "env", "environment variable the plugin servers keep, like nginx's env directive (KONG_NGINX_MAIN_ENV); all others are cleared, as in a Kong worker (repeatable)")
	flag.Var(serverArgs, "server-arg", "plugin=argument added to a plugin server's query and start commands, as in pluginserver_<name>_query_cmd and _start_cmd (repeatable; e.g. warden-validator=-response-phase)")
	logLevel := flag.String("log-level", "notice", "Kong's log_level: lines below it are dropped; plugin servers' own output (audit lines included) is logged at info, so the default, as on Kong, shows none of it")
	listenTLS := flag.String("listen-tls", "", "also serve HTTPS on this address (e.g. 127.0.0.1:8443)")
	tlsCert := flag.String("tls-cert", "", "PEM certificate for -listen-tls (self-signed for localhost when empty)")
	tlsKey := flag.String("tls-key", "", "PEM key for -tls-cert")
	genCert := flag.String("gen-cert", "", "write a self-signed localhost certificate to CERT,KEY and exit")
	flag.Parse()
	if *genCert != "" {
		certFile, keyFile, ok := strings.Cut(*genCert, ",")
		if !ok {
			fmt.Fprintln(os.Stderr, "gateway: -gen-cert wants CERT,KEY")
			os.Exit(2)
		}
		if err := harness.WriteSelfSignedCert(certFile, keyFile); err != nil {
			fmt.Fprintln(os.Stderr, "gateway:", err)
			os.Exit(1)
		}
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	g, err := harness.Start(ctx, harness.Options{ConfigPath: *config, PluginDir: *plugins, Listen: *listen, Prefix: *prefix, Resolve: resolve,
		ListenTLS: *listenTLS, TLSCertFile: *tlsCert, TLSKeyFile: *tlsKey, ServerArgs: serverArgs, Env: keepEnv, LogLevel: *logLevel})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
	for _, p := range g.Plugins() {
		var where []string
		for _, e := range g.Enabled() {
			if e.Name == p.Name {
				where = append(where, e.Scope())
			}
		}
		fmt.Printf("plugin %s %s priority %d phases %s enabled on %s\n", p.Name, p.Version, p.Priority, strings.Join(p.Phases, ","), strings.Join(where, "; "))
	}
	fmt.Printf("listening on %s\n", g.URL())
	if u := g.TLSURL(); u != "" {
		fmt.Printf("listening on %s\n", u)
	}
	<-ctx.Done()
	if err := g.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "gateway: closing:", err)
		os.Exit(1)
	}
}
