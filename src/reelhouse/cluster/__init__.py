"""Several reelhouse processes on one machine behind a load balancer (`reelhouse cluster`)."""
