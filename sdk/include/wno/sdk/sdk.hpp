// wno SDK umbrella: everything a plugin author needs.
#pragma once

#include "wno/sdk/components.hpp"
#include "wno/sdk/error.hpp"
#include "wno/sdk/host.hpp"
#include "wno/sdk/plugin.hpp"
