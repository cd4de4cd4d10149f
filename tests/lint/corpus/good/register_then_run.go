// gomap lint corpus (safe look-alike): a type with no lock is configured, then started
// (frp's msg.Dispatcher: RegisterHandler before Run); its callers, in another package,
// keep that order.
// expect: none
package msg

type Dispatcher struct {
	in       chan string
	handlers map[string]func(string)
}

func NewDispatcher() *Dispatcher {
	return &Dispatcher{in: make(chan string), handlers: map[string]func(string){}}
}

func (d *Dispatcher) RegisterHandler(kind string, h func(string)) {
	d.handlers[kind] = h
}

func (d *Dispatcher) Run() {
	go d.readLoop()
}

func (d *Dispatcher) readLoop() {
	for m := range d.in {
		if h, ok := d.handlers[m]; ok {
			h(m)
		}
	}
}
