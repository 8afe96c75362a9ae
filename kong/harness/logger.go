package harness

// Log lines in nginx error.log shape, as Kong writes them:
// "2006/01/02 15:04:05 [level] [kong] [plugin] message". Plugin server output
// goes through raw, prefixed "[name:pid] " like process.lua grab_logs.

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

type logger struct {
	mu  sync.Mutex
	w   io.Writer
	min int // the lowest severity written (levels index)
}

// levels are nginx's error_log levels, most severe first
// (src/core/ngx_log.c err_levels); Kong's log_level takes these names.
var levels = []string{"stderr", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

// parseLogLevel returns the index of a log_level name; "" is Kong's
// default, notice.
func parseLogLevel(name string) (int, error) {
	if name == "" {
		name = "notice"
	}
	if name == "err" {
		name = "error"
	}
	for i, l := range levels {
		if l == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown log level %q (want one of debug, info, notice, warn, error, crit, alert, emerg)", name)
}

func (l *logger) raw(level, msg string) {
	if i, err := parseLogLevel(level); err == nil && i > l.min {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := time.Now().Format("2006/01/02 15:04:05")
	for _, line := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		fmt.Fprintf(l.w, "%s [%s] %s\n", ts, level, line)
	}
}

// plugin logs with kong.log's namespace ("[kong] [plugin-name] ...").
func (l *logger) logf(level, plugin, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if plugin != "" {
		msg = "[" + plugin + "] " + msg
	}
	l.raw(level, "[kong] "+msg)
}

func (l *logger) err(plugin, format string, args ...any)  { l.logf("error", plugin, format, args...) }
func (l *logger) warn(plugin, format string, args ...any) { l.logf("warn", plugin, format, args...) }
func (l *logger) notice(plugin, format string, args ...any) {
	l.logf("notice", plugin, format, args...)
}
func (l *logger) debug(plugin, format string, args ...any) { l.logf("debug", plugin, format, args...) }
