extension ReportOptions {
    /// The option summary `tracecmd report -h` prints: every option of `trace-cmd report`
    /// 3.1.6, one line each, in the reference's order and words, then ours.
    public static let helpText = """
        usage:
         tracecmd report [-i file] [--cpu cpu] [-e][-f][-l][-P][-L][-N][-R][-E]\\
                   [-r events][-n events][-F filter][-v][-V[1-6]][-T][-O option]
                   [-H [start_system:]start_event,start_match[,pid]/[end_system:]end_event,end_match[,flags]
                   [-G]
                  -i input file [default trace.dat]
                  -e show file endianess
                  -f show function mapping list
                  -P show printk list
                  -E show event files stored
                  -F filter to filter output on
                  -I filter out events with the HARDIRQ flag set
                  -S filter out events with the SOFTIRQ flag set
                  -t print out full timestamp. Do not truncate to 6 places.
                  -R raw format: ignore print format and only show field data
                  -r raw format the events that match the option
                  -v will negate all -F after it (Not show matches)
                  -T print out the filter strings created and exit
                  -V[level] verbose (shows plugins being loaded)
                      With optional level (see --verbose numbers)
                  -L load only local (~/.trace-cmd/plugins) plugins (there are none here: no plugins)
                  -N do not load any plugins
                  -n ignore plugin handlers for events that match the option
                  -w show wakeup latencies
                  -l show latency format (default with latency tracers)
                  -O plugin option -O [plugin:]var[=val]
                  -q quiet: no warnings
                  --cpu <cpu1,cpu2,...> - filter events according to the given cpu list.
                                          A range of CPUs can be specified using 'cpuX-cpuY' notation.
                  --cpus - List the CPUs that have content in it then exit.
                  --first-event - Show the timestamp of the first event for all CPUs.
                  --last-event - Show the timestamp of the last event for all CPUs.
                  --check-events return whether all event formats can be parsed
                  --stat - show the buffer stats that were reported at the end of the record.
                  --uname - show uname of the record, if it was saved
                  --version - show version used to build the trace-cmd exec that created the file
                  --profile report stats on where tasks are blocked and such
                  -G when profiling, set soft and hard irqs as global
                  -H Allows users to hook two events together for timings
                     (used with --profile)
                  --by-comm used with --profile, merge events for related comms
                  --ts-offset will add amount to timestamp of all events of the
                             previous data file.
                  --ts2secs HZ, pass in the timestamp frequency (per second)
                             to convert the displayed timestamps to seconds
                             Affects the previous data file, unless there was no
                             previous data file, in which case it becomes default
                  --ts-diff Show the delta timestamp between events.
                  --ts-check Check to make sure no time stamp on any CPU goes backwards.
                  --nodate Ignore the --date processing of trace-cmd record.
                  --raw-ts Display raw timestamps, without any corrections.
                  --align-ts Display timestamps aligned to the first event.
                  --verbose[=level] Set the desired log level
                        0 or none  - no error messages
                        1 or crit  - only critical messages
                        2 or err   - 'crit' and error messages
                        3 or warn  - 'err' and warning messages
                        4 or info  - 'warn' and informational messages
                        5 or debug - 'info' and debugging messages
                        6 or all   - same as debug
                  -p show the file's page size and the host's, then exit
                      --threads N use N threads (default: two per core; the output is the same)
                  -h, --help show this summary

        """
}
