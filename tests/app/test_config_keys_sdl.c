/*
 * config.c spells key names the way SDL does, without linking SDL: this test
 * checks that claim against SDL itself. Every name bt_parse_key accepts must
 * be known to SDL_GetKeyFromName() and read back unchanged through
 * SDL_GetKeyName(), and every default binding must name a real key.
 */
#include <SDL.h>

#include "config.h"
#include "../unit/check.h"

int main(void)
{
    size_t n = 0;
    for (char name[BT_KEY_NAME_MAX]; bt_config_key_name(n, name, sizeof(name)); n++) {
        SDL_Keycode sym = SDL_GetKeyFromName(name);
        CHECK(sym != SDLK_UNKNOWN);
        CHECK_STR(SDL_GetKeyName(sym), name);
    }
    CHECK(n > 100);
    const char *argv[] = {"boundterm", "--print-config", NULL};
    struct bt_config_env env = {.xdg_runtime_dir = "/tmp", .display = ":0"};
    env.min_ram = NULL;
    env.store_min_ram = sb_config_min_ram;
    struct bt_config cfg;
    char err[256];
    REQUIRE(bt_config_parse(&cfg, 2, (char *const *)argv, &env, err, sizeof(err)));
    for (int a = 0; a < BT_ACTION_COUNT; a++) {
        CHECK(cfg.keys[a].name[0] != '\0');
        CHECK(SDL_GetKeyFromName(cfg.keys[a].name) != SDLK_UNKNOWN);
    }
    /* The mapping a window makes: "=" and "C" are the keycodes its own table uses. */
    CHECK_EQ(SDL_GetKeyFromName(cfg.keys[BT_ACTION_ZOOM_IN].name), SDLK_EQUALS);
    CHECK_EQ(SDL_GetKeyFromName(cfg.keys[BT_ACTION_COPY].name), SDLK_c);
    CHECK_EQ(SDL_GetKeyFromName(cfg.keys[BT_ACTION_SCROLL_PAGE_UP].name), SDLK_PAGEUP);
    return check_done();
}
