/* The SVG chart of a --stress run (stress_plot.c). */
#ifndef BT_STRESS_PLOT_H
#define BT_STRESS_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One sample of a run. */
struct sample {
    double t; /* seconds since start */
    uint64_t rss, ram_used, disk_used;
};

/* What the chart shows: the samples (at least one) and the run's figures, in bytes. */
struct stress_chart {
    const struct sample *samples;
    size_t nsamples;
    const char *const *argv; /* the program that ran, for the title */
    uint64_t ram_budget, bound, peak, bytes_in;
    double seconds;
    bool held;
};

/* Writes the chart to path; false (logged on stderr) when the file cannot be written. */
bool stress_plot_write(const struct stress_chart *c, const char *path);

#endif
