// Push with client_golang's push package (protobuf by default).
// PUSHGATEWAY_URL=https://<app>.azurewebsites.net PUSHGATEWAY_KEY=<push key> go run push.go push|add|delete
package main

import (
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

func main() {
	files := prometheus.NewCounter(prometheus.CounterOpts{Name: "backup_files_total", Help: "Files backed up."})
	size := prometheus.NewGauge(prometheus.GaugeOpts{Name: "backup_size_bytes", Help: "Size of the backup."})
	duration := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "backup_duration_seconds", Help: "Backup duration.", Buckets: []float64{1, 5, 30},
	})
	files.Add(42)
	size.Set(1234)
	duration.Observe(3.2)

	pusher := push.New(os.Getenv("PUSHGATEWAY_URL"), "backup").
		Grouping("instance", "db-1").Grouping("site", "eu").
		Collector(files).Collector(size).Collector(duration)
	if key := os.Getenv("PUSHGATEWAY_KEY"); key != "" {
		pusher = pusher.BasicAuth("push", key) // any user name, the key as the password
	}

	op := "push"
	if len(os.Args) > 1 {
		op = os.Args[1]
	}
	var err error
	switch op {
	case "push": // PUT: replace the group
		err = pusher.Push()
	case "add": // POST: replace only these metrics
		err = pusher.Add()
	case "delete": // DELETE: remove the group
		err = pusher.Delete()
	default:
		err = fmt.Errorf("unknown operation %q", op)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, op, "failed:", err)
		os.Exit(1)
	}
	fmt.Println(op + ": ok")
}
