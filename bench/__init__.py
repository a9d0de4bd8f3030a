"""Side-by-side benchmark of this SDK against the official viam-sdk (issue 5).

Run ``python -m bench`` (``make bench``) for the full sizes or ``python -m bench
--smoke`` for a few-second run that exercises every workload.  Nothing is imported
here: the cold-import workload starts its clock in a process that has loaded this
package and nothing else.
"""
