"""Assets inlined into the HTML report (Chart.js, MIT; licence beside it)."""
