#include "rowcodec.h"
