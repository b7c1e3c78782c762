// A Jellyfin client built on the official TypeScript SDK (@jellyfin/sdk, from the npm registry),
// run by tests/test_jellyfin_sdk.py against a reelhouse server: it logs in, browses, plays and
// reports as an app built on the SDK does, and prints what it saw as one JSON object.
//
// node client.mjs <server url> <username> <password> <series name> <mp4 id> <mkv id> <hevc id>
import { Jellyfin } from "@jellyfin/sdk";
import {
  getAuthenticationApi,
  getImageApi,
  getLibraryApi,
  getMediaInfoApi,
  getSearchApi,
  getSessionApi,
  getShowApi,
  getUserDataApi,
  getUserViewApi,
} from "@jellyfin/sdk/lib/utils/api/index.js";

const [url, username, password, seriesName, mp4, mkv, hevc] = process.argv.slice(2);
const TICKS = 10_000_000;

const BROWSER = {
  DirectPlayProfiles: [
    { Container: "mp4,m4v", Type: "Video", VideoCodec: "h264", AudioCodec: "aac,mp3" },
  ],
  TranscodingProfiles: [
    { Container: "ts", Type: "Video", VideoCodec: "h264", AudioCodec: "aac", Protocol: "hls" },
  ],
  CodecProfiles: [
    {
      Type: "Video",
      Codec: "h264",
      Conditions: [{ Condition: "LessThanEqual", Property: "VideoBitDepth", Value: "8" }],
    },
  ],
};
const TV = {
  DirectPlayProfiles: [
    { Container: "mkv,mp4", Type: "Video", VideoCodec: "h264,hevc", AudioCodec: "aac,ac3" },
  ],
  TranscodingProfiles: [
    { Container: "ts", Type: "Video", VideoCodec: "h264", AudioCodec: "aac", Protocol: "hls" },
  ],
};

const jellyfin = new Jellyfin({
  clientInfo: { name: "reelhouse-sdk-test", version: "1.0.0" },
  deviceInfo: { name: "node", id: "reelhouse-sdk-test-device" },
});
let api = jellyfin.createApi(url);
const summary = {};

const login = await getAuthenticationApi(api).authenticateUserByName({
  authenticateUserByName: { Username: username, Pw: password },
});
api = jellyfin.createApi(url, login.data.AccessToken);
summary.user = login.data.User.Name;

const views = (await getUserViewApi(api).getUserViews()).data.Items;
summary.views = views.map((v) => v.CollectionType).sort();
const movies = views.find((v) => v.CollectionType === "movies");
const shows = views.find((v) => v.CollectionType === "tvshows");

// Page through the movies two at a time.
const paged = [];
for (let start = 0; ; start += 2) {
  const page = (
    await getLibraryApi(api).getItems({
      parentId: movies.Id,
      includeItemTypes: ["Movie"],
      recursive: true,
      sortBy: ["SortName"],
      startIndex: start,
      limit: 2,
    })
  ).data;
  paged.push(...page.Items.map((i) => i.Id));
  summary.movieCount = page.TotalRecordCount;
  if (page.Items.length === 0 || paged.length >= page.TotalRecordCount) break;
}
summary.pagedMovies = paged;

const series = (await getLibraryApi(api).getItems({ parentId: shows.Id })).data.Items;
summary.series = series.map((s) => s.Name);
const seriesId = series.find((s) => s.Name === seriesName).Id;
const seasons = (await getShowApi(api).getSeasons({ seriesId })).data.Items;
summary.seasons = seasons.length;
const episodes = (await getShowApi(api).getEpisodes({ seriesId, seasonId: seasons[0].Id })).data
  .Items;
summary.episodes = episodes.map((e) => e.IndexNumber);
// The first episode watched: Next Up offers the second.
await getUserDataApi(api).markPlayedItem({ itemId: episodes[0].Id });
const nextUp = (await getShowApi(api).getNextUp({ seriesId })).data.Items;
summary.nextUp = nextUp.map((e) => e.Id);
summary.secondEpisode = episodes[1].Id;

const hints = (await getSearchApi(api).getSearchHints({ searchTerm: seriesName })).data;
summary.searchFound = hints.SearchHints.some((h) => h.Id === seriesId);

const withImage = (
  await getLibraryApi(api).getItems({ includeItemTypes: ["Movie"], recursive: true })
).data.Items.find((m) => m.ImageTags && m.ImageTags.Primary);
const image = await getImageApi(api).getItemImage(
  { itemId: withImage.Id, imageType: "Primary", maxWidth: 200 },
  { responseType: "arraybuffer" },
);
summary.image = { status: image.status, type: image.headers["content-type"] };

async function playbackInfo(itemId, profile) {
  const info = await getMediaInfoApi(api).getPostedPlaybackInfo({
    itemId,
    playbackInfoDto: { DeviceProfile: profile },
  });
  return info.data;
}

const auth = { headers: { Authorization: api.authorizationHeader } };
summary.plays = {};
for (const [key, id] of Object.entries({ mp4, mkv, hevc })) {
  for (const [name, profile] of Object.entries({ browser: BROWSER, tv: TV })) {
    const info = await playbackInfo(id, profile);
    const source = info.MediaSources[0];
    const played = {
      direct: source.SupportsDirectPlay,
      transcoding: Boolean(source.TranscodingUrl),
      streams: source.MediaStreams.map((s) => s.Type),
    };
    if (source.SupportsDirectPlay) {
      const stream = await api.axiosInstance.get(`${url}/Videos/${id}/stream`, {
        params: { Static: true, MediaSourceId: source.Id },
        headers: { ...auth.headers, Range: "bytes=0-99" },
        responseType: "arraybuffer",
      });
      played.stream = { status: stream.status, bytes: stream.data.byteLength };
    } else {
      const master = await api.axiosInstance.get(url + source.TranscodingUrl);
      played.master = master.data.split("\n")[0];
      // Its PlaySessionId ends the session when the client stops.
      await getSessionApi(api).reportPlaybackStopped({
        playbackStopInfo: { ItemId: id, PlaySessionId: info.PlaySessionId },
      });
      const after = await api.axiosInstance.get(url + source.TranscodingUrl, {
        validateStatus: () => true,
      });
      played.afterStop = after.status;
    }
    summary.plays[`${key}:${name}`] = played;
  }
}

// Start, progress and stop on the MKV: a resume point.
const info = await playbackInfo(mkv, TV);
const report = { ItemId: mkv, MediaSourceId: info.MediaSources[0].Id, PlaySessionId: info.PlaySessionId };
const sessions = getSessionApi(api);
await sessions.reportPlaybackStart({ playbackStartInfo: { ...report, PositionTicks: 0 } });
await sessions.reportPlaybackProgress({
  playbackProgressInfo: { ...report, PositionTicks: 3 * TICKS, IsPaused: false },
});
await sessions.reportPlaybackStopped({
  playbackStopInfo: { ...report, PositionTicks: 5 * TICKS },
});
const item = (await getLibraryApi(api).getItem({ itemId: mkv })).data;
summary.resumeTicks = item.UserData.PlaybackPositionTicks;
summary.played = item.UserData.Played;

console.log(JSON.stringify(summary));
