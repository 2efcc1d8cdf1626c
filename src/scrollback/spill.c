#include "spill.h"
