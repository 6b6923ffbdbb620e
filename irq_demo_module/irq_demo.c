// SPDX-License-Identifier: GPL-2.0
/*
 * irq_demo - a threaded interrupt whose handling time is known, for rttrace.
 *
 * Two sources, chosen at load time:
 *
 *  use_gpio=1   The Raspberry Pi 4 button demo of the seed project: GPIO
 *               `gpio` (global number, default 529 = gpiochip base 512 + BCM
 *               GPIO 17), rising edge, one-shot, named "buttonclicked".  The
 *               threaded handler ignores edges less than 10 ms after the last
 *               accepted press (software debounce) and, with verbose=1, prints
 *               one line per accepted press (that printk was the slow part of
 *               the seed's measurement).
 *
 *  use_gpio=0   (default) A software interrupt for boards without a button and
 *               for the VM tests: a private linear irq domain with a no-op
 *               irq_chip and handle_simple_irq, one virq requested as
 *               "rttrace_demo".  Writing N to parameters/trigger raises it N
 *               times: each time an IRQ_WORK_INIT_HARD irq_work calls
 *               generic_handle_irq() in hard-IRQ context (also on PREEMPT_RT),
 *               the hard handler returns IRQ_WAKE_THREAD and the thread
 *               irq/<virq>-rttrace_demo runs the threaded handler.  The write
 *               waits for each thread run before raising the next interrupt,
 *               so no two interrupts coalesce into one thread run.
 *
 * In both modes the threaded handler busy-spins spin_us microseconds (wall
 * clock, so the handling time is at least spin_us even when the thread is
 * preempted), and the counters hard_irqs/thread_runs count what happened.
 *
 * Parameters (/sys/module/irq_demo/parameters/):
 *   use_gpio (load only)  gpio (load only)  verbose (rw)  spin_us (rw)
 *   trigger (rw: write N to raise N interrupts; reads the total raised)
 *   irq (ro: the Linux irq number)  hard_irqs (ro)  thread_runs (ro)
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/irq_work.h>
#include <linux/gpio.h>
#include <linux/ktime.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/atomic.h>

#define DEMO_NAME_GPIO "buttonclicked"
#define DEMO_NAME_SW "rttrace_demo"
#define DEBOUNCE_NS (10 * NSEC_PER_MSEC)
#define TRIGGER_MAX 100000

static bool use_gpio;
module_param(use_gpio, bool, 0444);
MODULE_PARM_DESC(use_gpio, "1: GPIO button interrupt (Raspberry Pi); 0: software trigger (default)");

static int gpio = 529;
module_param(gpio, int, 0444);
MODULE_PARM_DESC(gpio, "global GPIO number of the button (default 529 = Pi 4 gpiochip base 512 + GPIO 17)");

static bool verbose;
module_param(verbose, bool, 0644);
MODULE_PARM_DESC(verbose, "printk once per handled interrupt (slow: it goes to the console)");

static uint spin_us;
module_param(spin_us, uint, 0644);
MODULE_PARM_DESC(spin_us, "busy-spin this many microseconds in the threaded handler");

static int irq = -1;
module_param(irq, int, 0444);
MODULE_PARM_DESC(irq, "Linux irq number in use (read-only)");

static atomic_long_t hard_irqs_v = ATOMIC_LONG_INIT(0);
static atomic_long_t thread_runs_v = ATOMIC_LONG_INIT(0);
static unsigned long triggered;

static int get_atomic_long(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops counter_ops = {
	.get = get_atomic_long,
};
module_param_cb(hard_irqs, &counter_ops, &hard_irqs_v, 0444);
MODULE_PARM_DESC(hard_irqs, "hard-IRQ handler runs (read-only)");
module_param_cb(thread_runs, &counter_ops, &thread_runs_v, 0444);
MODULE_PARM_DESC(thread_runs, "threaded-handler runs, including debounced ones (read-only)");

/* ---- the handlers ------------------------------------------------------ */

static u64 last_press_ns;		/* GPIO debounce: last accepted press */
static DECLARE_COMPLETION(thread_done);	/* software trigger: one per thread run */

static irqreturn_t demo_hard(int this_irq, void *dev_id)
{
	atomic_long_inc(&hard_irqs_v);
	return IRQ_WAKE_THREAD;
}

static void demo_spin(void)
{
	u64 end;

	if (!spin_us)
		return;
	end = ktime_get_ns() + (u64)READ_ONCE(spin_us) * NSEC_PER_USEC;
	while (ktime_get_ns() < end)
		cpu_relax();
}

static irqreturn_t demo_thread(int this_irq, void *dev_id)
{
	u64 now = ktime_get_ns();

	atomic_long_inc(&thread_runs_v);
	if (use_gpio) {
		if (last_press_ns && now - last_press_ns < DEBOUNCE_NS)
			return IRQ_HANDLED;	/* bounce: ignore */
		last_press_ns = now;
		demo_spin();
		if (READ_ONCE(verbose))
			pr_info("irqdemo: Button IRQ thread fired (irq=%d)\n", this_irq);
		return IRQ_HANDLED;
	}
	demo_spin();
	if (READ_ONCE(verbose))
		pr_info("irq_demo: threaded handler ran (irq=%d, spin %u us)\n", this_irq, spin_us);
	complete(&thread_done);
	return IRQ_HANDLED;
}

/* ---- software trigger: private irq domain + hard irq_work --------------- */

static struct irq_domain *demo_domain;

static void demo_noop(struct irq_data *d)
{
}

static struct irq_chip demo_chip = {
	.name = "rttrace_demo",
	.irq_mask = demo_noop,
	.irq_unmask = demo_noop,
	.irq_ack = demo_noop,
};

static int demo_map(struct irq_domain *d, unsigned int virq, irq_hw_number_t hw)
{
	irq_set_chip_and_handler(virq, &demo_chip, handle_simple_irq);
	return 0;
}

static const struct irq_domain_ops demo_domain_ops = {
	.map = demo_map,
	.xlate = irq_domain_xlate_onecell,
};

static void demo_irq_work_fn(struct irq_work *work)
{
	/* Hard-IRQ context (IRQ_WORK_INIT_HARD), also on PREEMPT_RT. */
	generic_handle_irq(irq);
}

static struct irq_work demo_work = IRQ_WORK_INIT_HARD(demo_irq_work_fn);
static DEFINE_MUTEX(trigger_lock);

static int trigger_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	unsigned long tmo;
	int ret;

	if (use_gpio || irq < 0)
		return -ENODEV;
	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n > TRIGGER_MAX)
		return -ERANGE;
	mutex_lock(&trigger_lock);
	for (i = 0; i < n; i++) {
		reinit_completion(&thread_done);
		irq_work_queue(&demo_work);
		triggered++;
		/* Allow for a slow (emulated) machine: the spin plus one second. */
		tmo = usecs_to_jiffies(READ_ONCE(spin_us)) + HZ;
		ret = wait_for_completion_interruptible_timeout(&thread_done, tmo);
		if (ret <= 0) {
			irq_work_sync(&demo_work);
			mutex_unlock(&trigger_lock);
			return ret ? ret : -ETIMEDOUT;
		}
	}
	mutex_unlock(&trigger_lock);
	return 0;
}

static int trigger_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(triggered));
}

static const struct kernel_param_ops trigger_ops = {
	.set = trigger_set,
	.get = trigger_get,
};
module_param_cb(trigger, &trigger_ops, NULL, 0644);
MODULE_PARM_DESC(trigger, "write N: raise the software interrupt N times (waits for each thread run); read: total raised");

static int demo_sw_init(void)
{
	int virq, ret;

	demo_domain = irq_domain_create_linear(NULL, 1, &demo_domain_ops, NULL);
	if (!demo_domain)
		return -ENOMEM;
	virq = irq_create_mapping(demo_domain, 0);
	if (!virq) {
		irq_domain_remove(demo_domain);
		return -ENOSPC;
	}
	ret = request_threaded_irq(virq, demo_hard, demo_thread, IRQF_ONESHOT,
				   DEMO_NAME_SW, &demo_domain);
	if (ret) {
		irq_dispose_mapping(virq);
		irq_domain_remove(demo_domain);
		return ret;
	}
	irq = virq;
	pr_info("irq_demo: software interrupt %d (%s); write N to /sys/module/irq_demo/parameters/trigger\n",
		virq, DEMO_NAME_SW);
	return 0;
}

static void demo_sw_exit(void)
{
	irq_work_sync(&demo_work);
	free_irq(irq, &demo_domain);
	irq_dispose_mapping(irq);
	irq_domain_remove(demo_domain);
}

/* ---- GPIO button ---------------------------------------------------------- */

static int demo_gpio_init(void)
{
	int ret, virq;

	ret = gpio_request(gpio, DEMO_NAME_GPIO);
	if (ret) {
		pr_err("irq_demo: cannot request GPIO %d: %d\n", gpio, ret);
		return ret;
	}
	ret = gpio_direction_input(gpio);
	if (ret)
		goto err_gpio;
	virq = gpio_to_irq(gpio);
	if (virq < 0) {
		ret = virq;
		goto err_gpio;
	}
	ret = request_threaded_irq(virq, demo_hard, demo_thread,
				   IRQF_TRIGGER_RISING | IRQF_ONESHOT,
				   DEMO_NAME_GPIO, &demo_domain);
	if (ret)
		goto err_gpio;
	irq = virq;
	pr_info("irq_demo: GPIO %d is interrupt %d (%s)\n", gpio, virq, DEMO_NAME_GPIO);
	return 0;
err_gpio:
	pr_err("irq_demo: GPIO %d setup failed: %d\n", gpio, ret);
	gpio_free(gpio);
	return ret;
}

static void demo_gpio_exit(void)
{
	free_irq(irq, &demo_domain);
	gpio_free(gpio);
}

static int __init irq_demo_init(void)
{
	return use_gpio ? demo_gpio_init() : demo_sw_init();
}

static void __exit irq_demo_exit(void)
{
	if (use_gpio)
		demo_gpio_exit();
	else
		demo_sw_exit();
}

module_init(irq_demo_init);
module_exit(irq_demo_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("rttrace developers");
MODULE_DESCRIPTION("Threaded IRQ with a known handling time (GPIO button or software trigger) for rttrace");
