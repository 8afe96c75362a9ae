package harness

// Plugin servers: discovery with "<binary> -dump" (kong/runloop/plugin_servers/process.lua
// query_external_plugin_info), process management with respawn and log capture
// (process.lua pluginserver_timer/grab_logs), and instance bookkeeping
// (kong/runloop/plugin_servers/plugin.lua get_instance_id/reset_instance).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/Kong/go-pdk/server/kong_plugin_protocol"
)

// PluginInfo is what a plugin's -dump reported (Plugins[1] in Kong's Lua).
type PluginInfo struct {
	Name     string
	Phases   []string
	Version  string
	Priority int
	Schema   map[string]any
	// Protocol as dumped; Kong defaults it to "MsgPack:1".
	Protocol string
}

type dumpDoc struct {
	Protocol   string
	SocketPath string
	Plugins    []struct {
		Name     string
		Phases   []string
		Version  string
		Priority float64
		Schema   map[string]any
	}
}

// queryPlugin runs "<bin> [args] -dump" and decodes its JSON like query_external_plugin_info.
func queryPlugin(ctx context.Context, bin string, args ...string) (PluginInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append(slices.Clone(args), "-dump")...)
	if cover := coverEnv(); cover != nil {
		cmd.Env = append(os.Environ(), cover...)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return PluginInfo{}, fmt.Errorf("%w: error loading plugins info from [%s]: %v: %s", ErrDiscovery, bin, err, strings.TrimSpace(stderr.String()))
	}
	var doc dumpDoc
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		return PluginInfo{}, fmt.Errorf("%w: failed decoding plugin info: %v", ErrDiscovery, err)
	}
	if len(doc.Plugins) == 0 {
		return PluginInfo{}, fmt.Errorf("%w: not a plugin info table: %s", ErrDiscovery, bin)
	}
	proto := doc.Protocol
	if proto == "" {
		proto = "MsgPack:1" // process.lua: dump.Protocol or "MsgPack:1"
	}
	if proto != "ProtoBuf:1" {
		return PluginInfo{}, fmt.Errorf("%w: protocol %q is %v (ProtoBuf:1 only)", ErrDiscovery, proto, ErrUnsupported)
	}
	p := doc.Plugins[0]
	if p.Priority != float64(int(p.Priority)) {
		// kong/db/dao/plugins.lua valid_priority: an integer number.
		return PluginInfo{}, fmt.Errorf("%w: plugin %q cannot be loaded because its PRIORITY field is not a valid integer number, got: %v", ErrDiscovery, p.Name, p.Priority)
	}
	info := PluginInfo{Name: p.Name, Phases: p.Phases, Version: p.Version, Priority: int(p.Priority), Schema: p.Schema, Protocol: proto}
	for _, ph := range info.Phases {
		switch ph {
		case "certificate", "rewrite", "access", "response", "preread", "log":
		default:
			return PluginInfo{}, fmt.Errorf("%w: plugin %q declares unknown phase %q", ErrDiscovery, p.Name, ph)
		}
	}
	if info.Schema == nil {
		return PluginInfo{}, fmt.Errorf("%w: plugin %q has no schema", ErrDiscovery, p.Name)
	}
	if err := validateMetaSchema(info.Schema); err != nil {
		return PluginInfo{}, fmt.Errorf("plugin %q: %w", p.Name, err)
	}
	return info, nil
}

func (p PluginInfo) hasPhase(phase string) bool {
	for _, ph := range p.Phases {
		if ph == phase {
			return true
		}
	}
	return false
}

// pluginServer is one running plugin binary and Kong's per-plugin state.
type pluginServer struct {
	info   PluginInfo
	bin    string
	args   []string // ServerArgs for this plugin
	env    []string // the worker's environment (workerEnv)
	prefix string
	socket string
	log    *logger
	pool   connPool // nginx's keepalive pool for socket

	msgID atomic.Int64 // Rpc.msg_id in pb_rpc.lua

	mu        sync.Mutex
	instances map[string]*instance // running_instances, keyed by plugin id
	cmd       *exec.Cmd
	stopping  bool
	exited    chan struct{} // closed when the current process ends
}

type instance struct {
	id    int32
	seq   int64
	ready chan struct{} // closed once id is known (or the start failed)
	err   error
}

func newPluginServer(info PluginInfo, bin string, args, env []string, prefix string, lg *logger) *pluginServer {
	socket := filepath.Join(prefix, filepath.Base(bin)+".socket") // go-pdk server/os.go
	return &pluginServer{
		info:      info,
		bin:       bin,
		args:      args,
		env:       env,
		prefix:    prefix,
		socket:    socket,
		pool:      connPool{socket: socket},
		log:       lg,
		instances: map[string]*instance{},
	}
}

// start spawns the server and waits for its socket.
func (ps *pluginServer) start(ctx context.Context) error {
	if err := ps.spawn(); err != nil {
		return err
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		// The socket file appears at bind(), before go-pdk's listen():
		// wait until it accepts a connection, as it has long done when
		// Kong sends its first request.
		if fi, err := os.Stat(ps.socket); err == nil && fi.Mode()&os.ModeSocket != 0 {
			if c, err := net.DialTimeout("unix", ps.socket, time.Second); err == nil {
				ps.pool.put(c)
				go ps.supervise()
				return nil
			}
		}
		ps.mu.Lock()
		exited := ps.exited
		ps.mu.Unlock()
		select {
		case <-exited:
			return fmt.Errorf("%w: %s exited before creating %s", ErrPluginServer, ps.info.Name, ps.socket)
		case <-ctx.Done():
			ps.stop()
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			ps.stop()
			return fmt.Errorf("%w: %s did not create %s", ErrPluginServer, ps.info.Name, ps.socket)
		}
	}
}

// spawn runs "<bin> [args] -kong-prefix <prefix>" with stdout and stderr joined and
// logged line by line as "[name:pid] line" (process.lua grab_logs).
func (ps *pluginServer) spawn() error {
	_ = os.Remove(ps.socket)
	cmd := exec.Command(ps.bin, append(slices.Clone(ps.args), "-kong-prefix", ps.prefix)...)
	cmd.Env = ps.env
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = w, w
	ps.log.notice("", "[pluginserver] starting pluginserver process for %s", ps.info.Name)
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("%w: starting %s: %v", ErrPluginServer, ps.bin, err)
	}
	w.Close()
	ps.log.notice("", "[pluginserver] started, pid %d", cmd.Process.Pid)
	exited := make(chan struct{})
	ps.mu.Lock()
	ps.cmd, ps.exited = cmd, exited
	ps.mu.Unlock()
	prefix := fmt.Sprintf("[%s:%d] ", ps.info.Name, cmd.Process.Pid)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); line != "" {
				ps.log.raw("info", prefix+line)
			}
		}
		r.Close()
	}()
	go func() {
		err := cmd.Wait()
		ps.log.notice("", "external pluginserver '%s' terminated: %v", ps.info.Name, exitReason(err))
		close(exited)
	}()
	return nil
}

// workerEnv is the environment of an nginx worker: TZ and the variables
// kept by env directives, from this process's environment (and, only for
// make cover, GOCOVERDIR: coverEnv).
func workerEnv(keep []string) []string {
	env := []string{}
	for _, name := range append([]string{"TZ"}, keep...) {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return append(env, coverEnv()...)
}

func exitReason(err error) string {
	if err == nil {
		return "exit 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ProcessState.String()
	}
	return err.Error()
}

// supervise respawns a dead server at most once per second, as
// pluginserver_timer does, until stop is called.
func (ps *pluginServer) supervise() {
	for {
		ps.mu.Lock()
		exited := ps.exited
		ps.mu.Unlock()
		started := time.Now()
		<-exited
		ps.pool.closeAll() // connections to the dead process are gone
		ps.mu.Lock()
		stopping := ps.stopping
		ps.mu.Unlock()
		if stopping {
			ps.log.notice("", "[pluginserver] exiting: pluginserver '%s' not respawned.", ps.info.Name)
			return
		}
		if wait := time.Second - time.Since(started); wait > 0 {
			time.Sleep(wait)
		}
		if err := ps.spawn(); err != nil {
			ps.log.err("", "[pluginserver] %v", err)
			return
		}
	}
}

// stop sends SIGTERM (process.lua stop_pluginservers) and waits briefly.
func (ps *pluginServer) stop() {
	defer ps.pool.closeAll()
	ps.mu.Lock()
	ps.stopping = true
	cmd, exited := ps.cmd, ps.exited
	ps.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(terminateSignal)
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	ps.log.notice("", "[pluginserver] successfully stopped pluginserver '%s', pid %d", ps.info.Name, cmd.Process.Pid)
	_ = os.Remove(ps.socket)
}

// call is Rpc:call with pb_rpc.lua's sequence quirk: msg_id is incremented
// on the object and once more locally, so sequences start at 2 and step by 1.
func (ps *pluginServer) call(c *pb.RpcCall, bridge bridgeFunc) rpcResult {
	seq := ps.msgID.Add(1) + 1
	return rpcCall(&ps.pool, seq, c, bridge)
}

// instanceID is get_instance_id: one instance per plugin id, restarted when
// the config's __seq__ changes; the old instance is then closed.
func (ps *pluginServer) instanceID(pc *pluginConf) (int32, error) {
	for {
		ps.mu.Lock()
		inst := ps.instances[pc.id]
		if inst != nil {
			ps.mu.Unlock()
			<-inst.ready
			if inst.err == nil && inst.seq == pc.seq {
				return inst.id, nil
			}
			ps.mu.Lock()
			if ps.instances[pc.id] == inst {
				delete(ps.instances, pc.id)
			}
			ps.mu.Unlock()
			if inst.err != nil {
				continue
			}
			ps.mu.Lock()
		}
		claim := &instance{seq: pc.seq, ready: make(chan struct{})}
		ps.instances[pc.id] = claim
		ps.mu.Unlock()
		res := ps.call(&pb.RpcCall{Call: &pb.RpcCall_CmdStartInstance{CmdStartInstance: &pb.CmdStartInstance{
			Name: ps.info.Name, Config: pc.json,
		}}}, nil)
		err := res.err
		if err == nil && res.luaErr != nil {
			err = res.luaErr
		}
		if err == nil {
			is := res.ret.GetInstanceStatus()
			if is == nil {
				err = errors.New("start_instance returned no instance_status")
			} else {
				claim.id = is.InstanceId
				ps.log.debug("", "started plugin server: seq %d, worker 0, instance id %d", pc.seq, claim.id)
			}
		}
		if err != nil {
			// plugin.lua: kong.log.err("starting instance: ", err); remove claim; error(err)
			ps.log.err("", "starting instance: %v", err)
			ps.mu.Lock()
			if ps.instances[pc.id] == claim {
				delete(ps.instances, pc.id)
			}
			ps.mu.Unlock()
			claim.err = err
			close(claim.ready)
			return 0, err
		}
		if inst != nil && inst.err == nil {
			// there was a previous instance with the same key: close it, ignore errors
			ps.call(&pb.RpcCall{Call: &pb.RpcCall_CmdCloseInstance{CmdCloseInstance: &pb.CmdCloseInstance{InstanceId: inst.id}}}, nil)
		}
		close(claim.ready)
		return claim.id, nil
	}
}

// resetInstances is reset_instance / reset_instances_for_plugin: every
// instance of this plugin is forgotten, since the server may have died.
func (ps *pluginServer) resetInstances() {
	ps.mu.Lock()
	ps.instances = map[string]*instance{}
	ps.mu.Unlock()
}
