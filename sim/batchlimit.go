package sim

import "fmt"

// applyBatchHostLimit fills in the default batch size limit and rejects a
// negative one. A small limit lets a test show a client splitting its
// targets into several batches without sending 10,000 host ids.
func applyBatchHostLimit(opts *Options) error {
	switch {
	case opts.BatchHostLimit < 0:
		return fmt.Errorf("sim: batch host limit %d is negative; use 1 or more, or 0 for the default %d",
			opts.BatchHostLimit, maxBatchHosts)
	case opts.BatchHostLimit == 0:
		opts.BatchHostLimit = maxBatchHosts
	}
	return nil
}
