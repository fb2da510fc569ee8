package sweep_test

import (
	"fmt"

	"github.com/dale-rnn/dale/sweep"
)

// Three inter-area settings × two seeds: six ordinary run configs.
func Example() {
	s, err := sweep.Parse([]byte(`{
	  "base": {"task": {"name": "ctxdm"}, "hidden_size": 32, "mask": {"type": "multi_area_ei", "n_areas": 2}},
	  "axes": {"mask.inter_area_connections": [[true,true,true,true], [true,true,false,false], [true,false,false,false]], "seed": [1, 2]}
	}`), "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	ms, err := s.Members()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range ms[:3] {
		fmt.Println(m.ID, string(m.Values["mask.inter_area_connections"]), m.Config.Seed)
	}
	fmt.Println(len(ms), "members")
	// Output:
	// 0000 [true,true,true,true] 1
	// 0001 [true,true,true,true] 2
	// 0002 [true,true,false,false] 1
	// 6 members
}
