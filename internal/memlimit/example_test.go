package memlimit_test

import (
	"fmt"

	"github.com/dale-rnn/dale/internal/memlimit"
)

// Check before allocating: nil when the estimate fits, else an error that
// names the setting, what it needs and what is available.
func ExampleCheck() {
	if err := memlimit.Check(64<<10, "rnn: dims = [1 64 1]"); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("64 KiB fit")
	fmt.Println(memlimit.Format(15_800_000_000), memlimit.Format(3<<29), memlimit.Format(512))
	// Output:
	// 64 KiB fit
	// 14.7 GiB 1.5 GiB 512 B
}
